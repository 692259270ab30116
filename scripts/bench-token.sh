#!/usr/bin/env bash
# Benchmark of the token endpoint: POST /v2/token with client credentials, from concurrent
# connections on this machine. Builds the release binary, starts `oauth-console serve` on
# loopback over a temporary data directory, creates one app with the CLI, drives the endpoint
# with wrk (installed from Debian's packages if missing) and prints tokens/s, p50, p99 and the
# error count (failed connections and every non-2xx answer). Stops the server when done.
#
#   scripts/bench-token.sh                      # 32 connections, 10 s, one wrk thread
#   RUNS=5 scripts/bench-token.sh               # five runs in a row against the same server
#   CONNECTIONS=64 DURATION=30s THREADS=2 scripts/bench-token.sh
#
# One wrk thread by default: it drives more than 25,000 requests/s from 32 connections, and on a
# 2-core machine a second one only takes turns on the cores with the server's two workers, which
# shows as a longer p99 (4.4-4.8 ms against 2.8-3.2 ms in runs side by side) for the same tokens/s.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-1}
RUNS=${RUNS:-1}
PORT=${PORT:-18089}
BASE="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing; installing it from Debian's packages" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk >/dev/null
fi

echo "building the release binary" >&2
cargo build --release --quiet
BIN=target/release/oauth-console

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export OAUTH_CONSOLE_ADMIN_PASSWORD="benchmark password"
CREATED=$("$BIN" --data-dir "$WORK/data" apps create --name bench \
  --scope /twilio/messaging/messages/read --scope /twilio/messaging/messages/create --json 2>/dev/null)
field() { sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}$/\1/p" <<<"$CREATED"; }
CLIENT_ID=$(field client_id)
CLIENT_SECRET=$(field client_secret)
if [ -z "$CLIENT_ID" ] || [ -z "$CLIENT_SECRET" ]; then
  echo "could not read the new app's credentials from: $CREATED" >&2
  exit 1
fi

RUST_LOG=warn "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  if curl -fs "$BASE/.well-known/jwks.json" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
FIRST=$(curl -fsS "$BASE/v2/token" -d grant_type=client_credentials \
  -d "client_id=$CLIENT_ID" -d "client_secret=$CLIENT_SECRET")
case "$FIRST" in
  *'"access_token"'*) ;;
  *) echo "the server gave no token: $FIRST" >&2; cat "$WORK/server.log" >&2; exit 1 ;;
esac

cat >"$WORK/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

-- summary.errors.status counts answers with a status above 399; the server sends no 3xx here.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + e.status
  io.write(string.format("tokens/s: %.0f\n", summary.requests / seconds))
  io.write(string.format("p50: %.2f ms\n", latency:percentile(50) / 1000))
  io.write(string.format("p99: %.2f ms\n", latency:percentile(99) / 1000))
  io.write(string.format("errors: %d (non-2xx: %d)\n", errors, e.status))
  io.write(string.format("requests: %d in %.1f s, %d connections\n", summary.requests, seconds, $CONNECTIONS))
end
LUA

for run in $(seq 1 "$RUNS"); do
  echo "POST /v2/token, client credentials: $CONNECTIONS connections, $THREADS threads, $DURATION (run $run of $RUNS)" >&2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/token.lua" "$BASE/v2/token" \
    | sed -n '/^tokens\/s:/,$p'
done
