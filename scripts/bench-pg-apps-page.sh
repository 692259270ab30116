#!/usr/bin/env bash
# The apps list's first page over PgStore with 10 and with 1,000,000 apps of one account in the
# database, side by side: the page's query as PostgreSQL runs it (EXPLAIN ANALYZE, the plan and
# its execution time), `oauth-console apps list` whole, process start and connection included, and
# the first page as a running server's management API answers it (GET /v1/owners/…/apps).
#
#   OAUTH_CONSOLE_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres \
#     scripts/bench-pg-apps-page.sh
# The role must be allowed to create databases (scripts/start-postgres.sh makes one that is).
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${OAUTH_CONSOLE_TEST_DATABASE_URL:?set OAUTH_CONSOLE_TEST_DATABASE_URL to a role that may create databases}
BIN=${BIN:-target/debug/oauth-console}
RUNS=${RUNS:-20}
PORT=${PORT:-18093}
[ -x "$BIN" ] || cargo build --quiet
export OAUTH_CONSOLE_ADMIN_PASSWORD="bench password, not a secret"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {
  local apps=$1 db="oauth_console_bench_apps_$1"
  psql -q "$ADMIN_URL" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  local url="${ADMIN_URL%/*}/$db"
  "$BIN" --data-dir "$work/$db" --database-url "$url" apps create --name "Seed" \
    --scope /twilio/messaging/messages/read --json >/dev/null 2>&1
  # The seed app fanned out by SQL: each copy a valid record with its own SID, name and instant.
  psql -q -v ON_ERROR_STOP=1 "$url" <<SQL
INSERT INTO apps (sid, owner, created_at, name_lower, version, record)
SELECT made.new_sid, a.owner, a.created_at - i, 'bench app ' || i, 1,
       jsonb_set(a.record, '{settings,name}', to_jsonb('Bench app ' || i))
         || jsonb_build_object('sid', made.new_sid, 'created_at', a.created_at - i,
                               'updated_at', a.created_at - i)
FROM apps a, generate_series(1, $apps - 1) AS i,
     LATERAL (SELECT 'OQ' || lpad(to_hex(i), 32, '0') AS new_sid) AS made;
ANALYZE apps;
SQL
  local owner
  owner=$(psql -qtA "$url" -c "SELECT owner FROM apps LIMIT 1")
  echo "== $(psql -qtA "$url" -c "SELECT count(*) FROM apps") apps"
  psql -qtA "$url" -c "EXPLAIN ANALYZE SELECT record, created_at, sid FROM apps WHERE owner = '$owner' ORDER BY created_at DESC, sid LIMIT 201" \
    | grep -E "Index|Limit|Execution Time"
  local start end
  start=$(date +%s%N)
  for _ in $(seq 1 "$RUNS"); do
    "$BIN" --data-dir "$work/$db" --database-url "$url" apps list --limit 200 --json >/dev/null
  done
  end=$(date +%s%N)
  echo "oauth-console apps list --limit 200 (whole process): $(( (end - start) / RUNS / 1000000 )) ms a run over $RUNS runs"
  # The page as the management API serves it, from a running server: what the console and
  # scripts over --server wait for.
  "$BIN" --data-dir "$work/$db" --database-url "$url" serve --listen "127.0.0.1:$PORT" \
    --drain-delay 0s 2>"$work/serve.log" &
  local server=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  local token
  token=$(curl -fsS "http://127.0.0.1:$PORT/v1/sessions" -H 'Content-Type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$OAUTH_CONSOLE_ADMIN_PASSWORD\"}" | jq -er .token)
  for _ in $(seq 1 "$RUNS"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$PORT/v1/owners/$owner/apps?PageSize=200"
  done | sort -n | awk -v runs="$RUNS" '{ t[NR] = $1 * 1000 } END {
    printf "GET /v1/owners/…/apps?PageSize=200 from a running server: median %.1f ms, slowest %.1f ms of %d\n",
      t[int((NR + 1) / 2)], t[NR], runs }'
  kill "$server"
  wait "$server" 2>/dev/null || true
  # Autovacuum may still be busy in it after the load: wait for it rather than force it.
  for _ in $(seq 1 30); do
    psql -q "$ADMIN_URL" -c "DROP DATABASE $db" 2>/dev/null && return
    sleep 1
  done
  echo "could not drop the database $db; drop it by hand" >&2
}

measure 10
measure "${APPS:-1000000}"
