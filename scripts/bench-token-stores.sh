#!/usr/bin/env bash
# Client-credentials tokens over sled and over PostgreSQL, side by side in one run: the same
# binary, the same load (wrk on this machine), one `serve` at a time, the two stores taking turns
# ROUNDS times (sled, postgres, sled, postgres, …) so that load from elsewhere on the machine
# falls on both alike. Each turn prints tokens/s, p50, p99, the server's CPU time per token (from
# /proc: less at the mercy of the machine's other work than tokens/s), the store calls the
# server made during the load (its /metrics), and over PostgreSQL the transactions the database
# ran meanwhile, to show that a token reads no row.
#
#   OAUTH_CONSOLE_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres \
#     scripts/bench-token-stores.sh
#   BIN=target/release/oauth-console ROUNDS=5 CONNECTIONS=32 DURATION=10s scripts/bench-token-stores.sh
# The role must be allowed to create databases (scripts/start-postgres.sh makes one that is).
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${OAUTH_CONSOLE_TEST_DATABASE_URL:?set OAUTH_CONSOLE_TEST_DATABASE_URL to a role that may create databases}
BIN=${BIN:-target/release/oauth-console}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
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

# The server's CPU time so far (user and system), in clock ticks.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"
}

# Store calls so far, all operations together, from the server's /metrics.
store_calls() {
  curl -fsS "$BASE/metrics" | awk '/^oauth_console_store_operation_duration_seconds_count/ { n += $NF } END { print n + 0 }'
}

# One app in each store, made once; the servers then take turns over them.
declare -A STORE_ARGS CLIENT_IDS CLIENT_SECRETS
psql -q "$ADMIN_URL" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
STORE_ARGS[sled]="--data-dir $WORK/sled"
STORE_ARGS[postgres]="--data-dir $WORK/pg --database-url $DB_URL"
for store in sled postgres; do
  read -r -a args <<<"${STORE_ARGS[$store]}"
  created=$("$BIN" "${args[@]}" apps create --name bench --scope /twilio/messaging/messages/read --json 2>/dev/null)
  CLIENT_IDS[$store]=$(sed -n 's/^  "client_id": "\(.*\)",\{0,1\}$/\1/p' <<<"$created")
  CLIENT_SECRETS[$store]=$(sed -n 's/^  "client_secret": "\(.*\)",\{0,1\}$/\1/p' <<<"$created")
done

# bench STORE: one server over it, one wrk run.
bench() {
  local store=$1 client_id=${CLIENT_IDS[$1]} client_secret=${CLIENT_SECRETS[$1]}
  read -r -a args <<<"${STORE_ARGS[$store]}"
  RUST_LOG=warn "$BIN" "${args[@]}" serve --listen "127.0.0.1:$PORT" --drain-delay 0s 2>"$WORK/$store.log" &
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
  io.write(string.format("tokens/s: %6.0f  p50: %5.2f ms  p99: %6.2f ms  errors: %d  tokens: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout + e.status,
    summary.requests))
end
LUA
  local transactions_before="" calls_before ticks_before out tokens
  [ "$store" = postgres ] && transactions_before=$(transactions)
  calls_before=$(store_calls)
  ticks_before=$(cpu_ticks)
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/token.lua" "$BASE/v2/token" | sed -n '/^tokens\/s:/p')
  local ticks=$(( $(cpu_ticks) - ticks_before ))
  local calls=$(( $(store_calls) - calls_before ))
  tokens=$(sed -n 's/.*tokens: \([0-9]*\)$/\1/p' <<<"$out")
  local line
  line=$(printf '%-5s %-8s %s  CPU/token: %3d µs  store calls: %d' "$round" "$store" "$out" \
    $(( ticks * 1000000 / $(getconf CLK_TCK) / tokens )) "$calls")
  if [ "$store" = postgres ]; then
    sleep 1
    # This script's own statistics queries are among them (one or two).
    line="$line  database transactions: $(( $(transactions) - transactions_before ))"
  fi
  echo "$line  (load average $(cut -d' ' -f1 /proc/loadavg))"
  stop_server
}

echo "POST /v2/token, client credentials, $CONNECTIONS connections, $DURATION a turn, $ROUNDS rounds; $(date -u '+%F %H:%M UTC')"
echo "round store"
for round in $(seq 1 "$ROUNDS"); do
  bench sled
  bench postgres
done
psql -q "$ADMIN_URL" -c "DROP DATABASE $DB" || echo "drop the database $DB by hand" >&2
