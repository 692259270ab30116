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
#   REFERENCE=/tmp/main-oauth-console RUNS=3 scripts/bench-token.sh
#                                               # this build and another binary, taking turns
#   LOG_FORMATS="text json" RUNS=3 scripts/bench-token.sh
#                                               # --log-format text and json taking turns, at
#                                               # RUST_LOG=info: a log line per request
#   BIN=target/release/oauth-console scripts/bench-token.sh
#                                               # that binary as this build, not built first
#
# Side by side runs take turns (A B A B ...) on one store, each server started afresh, so that
# what the machine is doing meanwhile falls on both alike. The server logs at RUST_LOG=warn
# unless SERVER_LOG says otherwise (LOG_FORMATS makes it info); its log goes to a file.
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
REFERENCE=${REFERENCE:-}
LOG_FORMATS=${LOG_FORMATS:-}
if [ -n "$LOG_FORMATS" ]; then
  SERVER_LOG=${SERVER_LOG:-info}
else
  SERVER_LOG=${SERVER_LOG:-warn}
fi

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing; installing it from Debian's packages" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk >/dev/null
fi

if [ -z "${BIN:-}" ]; then
  echo "building the release binary" >&2
  cargo build --release --quiet
  BIN=target/release/oauth-console
fi

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

# Starts a server: $1 its label, $2 the binary, then extra `serve` flags.
start_server() {
  local label=$1 bin=$2
  shift 2
  RUST_LOG=$SERVER_LOG "$bin" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" "$@" \
    2>"$WORK/server-$label.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if curl -fs "$BASE/.well-known/jwks.json" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  FIRST=$(curl -fsS "$BASE/v2/token" -d grant_type=client_credentials \
    -d "client_id=$CLIENT_ID" -d "client_secret=$CLIENT_SECRET")
  case "$FIRST" in
    *'"access_token"'*) ;;
    *) echo "the server ($label) gave no token: $FIRST" >&2; cat "$WORK/server-$label.log" >&2; exit 1 ;;
  esac
}

# The server's CPU time so far (user and system), in clock ticks: less at the mercy of whatever
# else the machine runs than tokens/s is.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

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

# The servers that take turns: "label binary flags...", one a line.
VARIANTS=()
if [ -n "$LOG_FORMATS" ]; then
  for format in $LOG_FORMATS; do
    VARIANTS+=("log-$format $BIN --log-format $format --drain-delay 0s")
  done
elif [ -n "$REFERENCE" ]; then
  VARIANTS+=("reference $REFERENCE" "this-build $BIN --drain-delay 0s")
else
  VARIANTS+=("this-build $BIN --drain-delay 0s")
fi

for run in $(seq 1 "$RUNS"); do
  for variant in "${VARIANTS[@]}"; do
    read -r -a parts <<<"$variant"
    start_server "${parts[@]}"
    echo "POST /v2/token, client credentials: $CONNECTIONS connections, $THREADS threads, $DURATION (${parts[0]}, run $run of $RUNS)" >&2
    BEFORE=$(cpu_ticks)
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/token.lua" "$BASE/v2/token" \
      | sed -n '/^tokens\/s:/,$p' | sed "s/^/${parts[0]}: /" | tee "$WORK/wrk.out"
    TICKS=$(( $(cpu_ticks) - BEFORE ))
    REQUESTS=$(sed -n 's/.*requests: \([0-9]*\) in.*/\1/p' "$WORK/wrk.out")
    echo "${parts[0]}: server CPU per token: $(( TICKS * 1000000 / $(getconf CLK_TCK) / REQUESTS )) µs"
    if [ -n "$LOG_FORMATS" ]; then
      LOG="$WORK/server-${parts[0]}.log"
      echo "${parts[0]}: server log: $(wc -l <"$LOG") lines, $(grep -c -F "$CLIENT_SECRET" "$LOG" || true) with the client secret" >&2
      if [ "${parts[0]}" = log-json ] && command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json, sys
bad = 0
for line in open(sys.argv[1]):
    try:
        json.loads(line)
    except ValueError:
        bad += 1
print(f"log-json: lines that are not one JSON object: {bad}", file=sys.stderr)' "$LOG"
      fi
    fi
    stop_server
  done
done
if [ -n "${KEEP_LOGS:-}" ]; then
  mkdir -p "$KEEP_LOGS"
  cp "$WORK"/server-*.log "$KEEP_LOGS"/
fi
