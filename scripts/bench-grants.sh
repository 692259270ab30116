#!/usr/bin/env bash
# The code exchange and the refresh-token grant per second, with p50 and p99, over sled and over
# PostgreSQL side by side in one run: the same release binary and the same load, one `serve` at
# a time, each over a fresh store, the two stores taking turns ROUNDS times so that load from
# elsewhere on the machine falls on both alike. Each grant spends what it is sent, so the load
# (examples/bench_grants.rs) first mints GRANTS codes through the consent page, untimed, then
# exchanges each once, timed, then uses each refresh token those exchanges returned once, timed.
#
#   OAUTH_CONSOLE_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres \
#     scripts/bench-grants.sh
#   ROUNDS=3 GRANTS=20000 CONCURRENCY=32 STORES="postgres" scripts/bench-grants.sh
# The role must be allowed to create databases (scripts/start-postgres.sh makes one that is).
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${OAUTH_CONSOLE_TEST_DATABASE_URL:?set OAUTH_CONSOLE_TEST_DATABASE_URL to a role that may create databases}
BIN=${BIN:-target/release/oauth-console}
ROUNDS=${ROUNDS:-3}
GRANTS=${GRANTS:-20000}
CONCURRENCY=${CONCURRENCY:-32}
STORES=${STORES:-sled postgres}
PORT=${PORT:-18092}
DB=oauth_console_bench_grants
DB_URL="${ADMIN_URL%/*}/$DB"

[ -x "$BIN" ] || { echo "build $BIN first (cargo build --release), or set BIN" >&2; exit 1; }
# A release build, as the server's: the load shares the 2 cores with the server and the database,
# so every microsecond it spends is one they do not get. It links the library the release binary
# already built, so it costs a few seconds once that is built.
cargo build --release --quiet --example bench_grants
LOAD_BIN=target/release/examples/bench_grants

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
PASSWORD="benchmark password"
export OAUTH_CONSOLE_ADMIN_PASSWORD="$PASSWORD"

# bench NAME ARGS…: a fresh store named by ARGS, an app and CONCURRENCY users, one server, the load.
bench() {
  local name=$1
  shift
  local oc=("$BIN" "$@")
  local org app users=""
  org=$("${oc[@]}" owners --json | jq -er '.[] | select(.type == "organization") | .sid')
  export BENCH_REDIRECT="https://bench.example.com/callback"
  app=$("${oc[@]}" apps create --owner "$org" --grant-type authorization-code --name bench-portal \
    --scope managed-users/read --scope offline_access --redirect-uri "$BENCH_REDIRECT" \
    --company "Bench Inc" --json)
  for i in $(seq 1 "$CONCURRENCY"); do
    printf '%s' "$PASSWORD" | "${oc[@]}" users add "bench-$i" --owner "$org" --role Developer \
      --password-stdin >/dev/null
    users="$users bench-$i"
  done
  export BENCH_URL="http://127.0.0.1:$PORT" BENCH_USERS="$users" BENCH_PASSWORD="$PASSWORD"
  BENCH_CLIENT_ID=$(jq -er .client_id <<<"$app")
  BENCH_CLIENT_SECRET=$(jq -er .client_secret <<<"$app")
  export BENCH_CLIENT_ID BENCH_CLIENT_SECRET
  RUST_LOG=warn "${oc[@]}" serve --listen "127.0.0.1:$PORT" 2>"$WORK/$name.log" &
  SERVER_PID=$!
  export BENCH_SERVER_PID=$SERVER_PID
  for _ in $(seq 1 100); do
    curl -fs "$BENCH_URL/.well-known/jwks.json" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "== $name, round $round: $GRANTS grants of each kind, $CONCURRENCY clients (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$LOAD_BIN" "$GRANTS" "$CONCURRENCY"
  stop_server
  if grep -q ERROR "$WORK/$name.log"; then
    echo "the server logged errors:" >&2
    grep ERROR "$WORK/$name.log" | head -5 >&2
  fi
}

for round in $(seq 1 "$ROUNDS"); do
  for store in $STORES; do
    case $store in
      sled)
        rm -rf "$WORK/sled"
        bench sled --data-dir "$WORK/sled"
        ;;
      postgres)
        psql -q "$ADMIN_URL" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
        rm -rf "$WORK/pg"
        bench postgres --data-dir "$WORK/pg" --database-url "$DB_URL"
        ;;
      *) echo "STORES names sled and postgres, not $store" >&2; exit 2 ;;
    esac
  done
done
if [[ " $STORES " == *" postgres "* ]]; then
  psql -q "$ADMIN_URL" -c "DROP DATABASE $DB" || echo "drop the database $DB by hand" >&2
fi
