#!/usr/bin/env bash
# Client-credentials tokens over sled and over PostgreSQL, side by side in one run: the same
# binary, the same load (wrk on this machine), one `serve` at a time, and over PostgreSQL the
# statements the database ran while the load ran (its transaction count, every statement of the
# store being one transaction or part of one), to show that a token reads no row.
#
#   OAUTH_CONSOLE_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres \
#     scripts/bench-token-stores.sh
#   BIN=target/release/oauth-console CONNECTIONS=32 DURATION=10s scripts/bench-token-stores.sh
# The role must be allowed to create databases (scripts/start-postgres.sh makes one that is).
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${OAUTH_CONSOLE_TEST_DATABASE_URL:?set OAUTH_CONSOLE_TEST_DATABASE_URL to a role that may create databases}
BIN=${BIN:-target/release/oauth-console}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
PORT=${PORT:-18090}
BASE="http://127.0.0.1:$PORT"
DB=oauth_console_bench_tokens
DB_URL="${ADMIN_URL%/*}/$DB"

command -v wrk >/dev/null 2>&1 || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build $BIN first (cargo build --release), or set BIN" >&2; exit 1; }

WORK=$(mktemp -d)
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT
export OAUTH_CONSOLE_ADMIN_PASSWORD="benchmark password"

transactions() {
  psql -qtA "$ADMIN_URL" -c "SELECT pg_stat_force_next_flush()" >/dev/null 2>&1 || true
  psql -qtA "$DB_URL" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
}

# bench NAME ARGS…: one app, one server, one wrk run over the store ARGS name.
bench() {
  local name=$1
  shift
  local created client_id client_secret
  created=$("$BIN" "$@" apps create --name bench --scope /twilio/messaging/messages/read --json 2>/dev/null)
  client_id=$(sed -n 's/^  "client_id": "\(.*\)",\{0,1\}$/\1/p' <<<"$created")
  client_secret=$(sed -n 's/^  "client_secret": "\(.*\)",\{0,1\}$/\1/p' <<<"$created")
  RUST_LOG=warn "$BIN" "$@" serve --listen "127.0.0.1:$PORT" 2>"$WORK/$name.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "$BASE/.well-known/jwks.json" >/dev/null 2>&1 && break
    sleep 0.1
  done
  # The first token fills the client cache; the load then measures what every later one costs.
  curl -fsS "$BASE/v2/token" -d grant_type=client_credentials \
    -d "client_id=$client_id" -d "client_secret=$client_secret" >/dev/null
  cat >"$WORK/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&client_id=$client_id&client_secret=$client_secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("tokens/s: %.0f  p50: %.2f ms  p99: %.2f ms  errors: %d  tokens: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout + e.status,
    summary.requests))
end
LUA
  local before=""
  [ "$name" = postgres ] && before=$(transactions)
  echo "== $name: POST /v2/token, client credentials, $CONNECTIONS connections, $DURATION"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/token.lua" "$BASE/v2/token" | sed -n '/^tokens\/s:/p'
  if [ "$name" = postgres ]; then
    sleep 1
    echo "database transactions during the load: $(( $(transactions) - before )) (the store's own reads and writes, and this script's two statistics queries)"
  fi
  stop_server
}

psql -q "$ADMIN_URL" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
bench sled --data-dir "$WORK/sled"
bench postgres --data-dir "$WORK/pg" --database-url "$DB_URL"
psql -q "$ADMIN_URL" -c "DROP DATABASE $DB" || echo "drop the database $DB by hand" >&2
