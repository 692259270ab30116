#!/usr/bin/env bash
# The token endpoint over HTTPS beside plain HTTP, in one run on this machine: two
# `oauth-console serve` (release build, loopback, a temporary data directory each), one plain and
# one with `--tls-cert` (a self-signed certificate made with openssl, as the README says), an
# app on each, and wrk against them in turns:
#
#   keep-alive   POST /v2/token over CONNECTIONS open connections: tokens/s, p50, p99, errors;
#   new          the same with `Connection: close`, so every token is a new TCP connection and,
#                over HTTPS, a new TLS handshake (TLS 1.3, ECDSA P-256): connections/s.
#
# The runs alternate plain and HTTPS (RUNS of each), so that load from elsewhere on the machine
# falls on both alike, and the last lines compare the medians.
#
#   scripts/bench-tls.sh                          # 32 connections, 10 s a run, 3 runs of each
#   RUNS=5 DURATION=20s scripts/bench-tls.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-32}
NEW_CONNECTIONS=${NEW_CONNECTIONS:-8}
DURATION=${DURATION:-10s}
RUNS=${RUNS:-3}
PORT=${PORT:-18090}
PLAIN="http://127.0.0.1:$PORT"
TLS="https://127.0.0.1:$((PORT + 1))"

for tool in wrk openssl curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is missing (Debian: apt-get install -y $tool)" >&2
    exit 1
  fi
done

echo "building the release binary" >&2
cargo build --release --quiet
BIN=target/release/oauth-console

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null

export OAUTH_CONSOLE_ADMIN_PASSWORD="benchmark password"
# Starts a server over its own data directory with an app, whose "ID SECRET" it writes to
# $WORK/NAME.app (not printed: a subshell would lose the server's pid).
start() {
  local name=$1 base=$2
  shift 2
  local created id secret
  created=$("$BIN" --data-dir "$WORK/$name" apps create --name bench \
    --scope /twilio/messaging/messages/read --json 2>/dev/null)
  id=$(sed -n 's/^  "client_id": "\(.*\)",\{0,1\}$/\1/p' <<<"$created")
  secret=$(sed -n 's/^  "client_secret": "\(.*\)",\{0,1\}$/\1/p' <<<"$created")
  RUST_LOG=warn "$BIN" --data-dir "$WORK/$name" serve "$@" 2>"$WORK/$name.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    if curl -fs --cacert "$WORK/cert.pem" "$base/.well-known/jwks.json" >/dev/null 2>&1; then
      break
    fi
    sleep 0.1
  done
  local first
  first=$(curl -fsS --cacert "$WORK/cert.pem" "$base/v2/token" -d grant_type=client_credentials \
    -d "client_id=$id" -d "client_secret=$secret")
  case "$first" in
    *'"access_token"'*) ;;
    *) echo "$name gave no token: $first" >&2; cat "$WORK/$name.log" >&2; exit 1 ;;
  esac
  echo "$id $secret" >"$WORK/$name.app"
}

start plain "$PLAIN" --listen "127.0.0.1:$PORT"
start tls "$TLS" --listen "127.0.0.1:$((PORT + 1))" \
  --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
read -r PLAIN_ID PLAIN_SECRET <"$WORK/plain.app"
read -r TLS_ID TLS_SECRET <"$WORK/tls.app"

# A wrk script per server and mode; each run prints one line "rate p50 p99 errors".
script() {
  local id=$1 secret=$2 close=$3
  cat <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&client_id=$id&client_secret=$secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
$( [ "$close" = yes ] && echo 'wrk.headers["Connection"] = "close"' )
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%.0f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
LUA
}
script "$PLAIN_ID" "$PLAIN_SECRET" no >"$WORK/plain-keep.lua"
script "$TLS_ID" "$TLS_SECRET" no >"$WORK/tls-keep.lua"
script "$PLAIN_ID" "$PLAIN_SECRET" yes >"$WORK/plain-new.lua"
script "$TLS_ID" "$TLS_SECRET" yes >"$WORK/tls-new.lua"

measure() {
  local lua=$1 base=$2 connections=$3
  wrk -t1 -c"$connections" -d"$DURATION" -s "$WORK/$lua.lua" "$base/v2/token" | tail -n 1
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-4s %-11s %-6s %10s %8s %8s %7s\n' run mode server "per s" "p50 ms" "p99 ms" errors
for run in $(seq 1 "$RUNS"); do
  for mode in keep new; do
    connections=$CONNECTIONS
    shown="keep-alive"
    if [ "$mode" = new ]; then connections=$NEW_CONNECTIONS; shown="new-conn"; fi
    for server in plain tls; do
      base=$PLAIN
      [ "$server" = tls ] && base=$TLS
      read -r rate p50 p99 errors < <(measure "$server-$mode" "$base" "$connections")
      echo "$server $mode $rate" >>"$WORK/rates"
      printf '%-4s %-11s %-6s %10s %8s %8s %7s\n' "$run" "$shown" "$server" "$rate" "$p50" \
        "$p99" "$errors"
    done
  done
done

for mode in keep new; do
  plain=$(awk -v m="$mode" '$1 == "plain" && $2 == m { print $3 }' "$WORK/rates" | median)
  tls=$(awk -v m="$mode" '$1 == "tls" && $2 == m { print $3 }' "$WORK/rates" | median)
  label="keep-alive tokens/s"
  [ "$mode" = new ] && label="new connections/s (a token each)"
  awk -v l="$label" -v p="$plain" -v t="$tls" \
    'BEGIN { printf "median %s: plain %d, HTTPS %d (%.1f%% of plain)\n", l, p, t, 100 * t / p }'
done
