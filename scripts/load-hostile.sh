#!/usr/bin/env bash
# The token endpoint under attack: real clients' p99 and the server's memory, alone, then while
# 200 idle connections are held open and 64 concurrent bad sign-ins run, then after. Builds the
# release binary, starts `oauth-console serve` on loopback over a temporary data directory,
# creates an app, and prints the three phases side by side (one run, one machine: a busy or
# shared machine moves all three together, so compare the columns, not other runs).
#
#   scripts/load-hostile.sh                     # 10 s phases
#   DURATION=20 scripts/load-hostile.sh         # longer phases (keep them under the 30 s idle
#                                               # timeout, or the idle connections are closed)
#   BUILD=0 scripts/load-hostile.sh             # use target/release as it is
#
# Real clients: wrk from 4 connections, each waiting 2 ms between requests, so the figure is the
# latency of a server that is not saturated by its own benchmark. The attack: 200 sockets opened
# with bash's /dev/tcp that send nothing, and wrk from 64 connections posting wrong passwords to
# POST /v1/sessions, a new username each time (the worst case: no failure limit applies, so every
# request asks for a password check). Memory is the server's VmRSS: at the end of the phase
# before, its peak during the attack, and after.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
PORT=${PORT:-18090}
BASE="http://127.0.0.1:$PORT"

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is missing (Debian: apt-get install -y $tool)" >&2
    exit 1
  fi
done

if [ "${BUILD:-1}" != 0 ]; then
  echo "building the release binary" >&2
  cargo build --release --quiet
fi
BIN=target/release/oauth-console

WORK=$(mktemp -d)
SERVER_PID=""
IDLE_PID=""
ATTACK_PID=""
SAMPLER_PID=""
cleanup() {
  for pid in $SAMPLER_PID $ATTACK_PID $IDLE_PID $SERVER_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

export OAUTH_CONSOLE_ADMIN_PASSWORD="load test password"
CREATED=$("$BIN" --data-dir "$WORK/data" apps create --name load \
  --scope /twilio/messaging/messages/read --json 2>/dev/null)
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

rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

cat >"$WORK/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
function delay() return 2 end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%.2f %.2f %d %d\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status))
end
LUA

# One wrk thread; counts the answers by status in it, and prints them at the end.
cat >"$WORK/sign-in.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() counts = {} n = 0 end
function request()
  n = n + 1
  local body = string.format('{"username":"guess%d-%d","password":"wrong password"}',
    math.random(1, 1000000000), n)
  return wrk.format(nil, nil, nil, body)
end
function response(status) counts[status] = (counts[status] or 0) + 1 end
function done(summary, latency, requests)
  local line = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      table.insert(line, string.format("%s: %d", status, count))
    end
  end
  table.sort(line)
  io.write(string.format("bad sign-ins answered: %s (p99 %.0f ms)\n", table.concat(line, ", "),
    latency:percentile(99) / 1000))
end
LUA

real_clients() {
  wrk -t1 -c4 -d"${DURATION}s" -s "$WORK/token.lua" "$BASE/v2/token" | tail -n 1
}

echo "warming up" >&2
DURATION=3 real_clients >/dev/null

echo "phase 1: real clients alone" >&2
read -r P50_ALONE P99_ALONE N_ALONE ERR_ALONE < <(real_clients)
RSS_ALONE=$(rss_mb)

echo "phase 2: with 200 idle connections and 64 concurrent bad sign-ins" >&2
(
  for _ in $(seq 1 200); do exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"; done
  sleep $((DURATION + 10))
) &
IDLE_PID=$!
wrk -t1 -c64 -d"$((DURATION + 4))s" -s "$WORK/sign-in.lua" "$BASE/v1/sessions" >"$WORK/attack.txt" &
ATTACK_PID=$!
(
  peak=0
  while kill -0 "$ATTACK_PID" 2>/dev/null; do
    now=$(rss_mb)
    if [ "$now" -gt "$peak" ]; then peak=$now; fi
    echo "$peak" >"$WORK/peak"
    sleep 0.2
  done
) &
SAMPLER_PID=$!
sleep 2
OPEN=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
read -r P50_ATTACK P99_ATTACK N_ATTACK ERR_ATTACK < <(real_clients)
wait "$ATTACK_PID" || true
ATTACK_PID=""
wait "$SAMPLER_PID" || true
SAMPLER_PID=""
RSS_ATTACK=$(cat "$WORK/peak")
kill "$IDLE_PID" 2>/dev/null || true
wait "$IDLE_PID" 2>/dev/null || true
IDLE_PID=""

echo "phase 3: after" >&2
sleep 5
read -r P50_AFTER P99_AFTER N_AFTER ERR_AFTER < <(real_clients)
RSS_AFTER=$(rss_mb)

printf '\nPOST /v2/token from 4 connections (2 ms apart), %s s a phase, one run:\n' "$DURATION"
printf '%-22s %12s %14s %12s\n' "" "alone" "under attack" "after"
printf '%-22s %12s %14s %12s\n' "p50 (ms)" "$P50_ALONE" "$P50_ATTACK" "$P50_AFTER"
printf '%-22s %12s %14s %12s\n' "p99 (ms)" "$P99_ALONE" "$P99_ATTACK" "$P99_AFTER"
printf '%-22s %12s %14s %12s\n' "tokens" "$N_ALONE" "$N_ATTACK" "$N_AFTER"
printf '%-22s %12s %14s %12s\n' "errors" "$ERR_ALONE" "$ERR_ATTACK" "$ERR_AFTER"
printf '%-22s %12s %14s %12s\n' "server RSS (MB)" "$RSS_ALONE" "$RSS_ATTACK (peak)" "$RSS_AFTER"
printf 'connections open during the attack: %s\n' "$OPEN"
cat "$WORK/attack.txt" | grep '^bad sign-ins'
printf 'server log: %s bytes, %s lines\n' "$(wc -c <"$WORK/server.log")" "$(wc -l <"$WORK/server.log")"
