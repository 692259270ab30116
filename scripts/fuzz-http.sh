#!/usr/bin/env bash
# Bounded HTTP fuzzing of `oauth-console serve`. Builds the debug binary (so that an integer
# overflow panics rather than wraps) and examples/fuzz_http.rs, starts the server on loopback over
# a fresh data directory, and lets the fuzzer wait for it, make three apps and a session, and send
# random and mutated requests to every route of the OpenAPI document. Fails on any 5xx answer,
# any request dropped without an answer, any redirect without a Location, a panic in the server's
# log, or a server that no longer answers or has exited. Prints the count of each status per
# route. Failing requests are kept byte for byte in $OUT (with the server's log), to replay with
# `nc 127.0.0.1 PORT < failure-001.http` against a server of your own.
#
#   scripts/fuzz-http.sh                          # 200,000 requests, a few minutes on 2 cores
#   REQUESTS=5000 SEED=7 scripts/fuzz-http.sh     # a quick look, with other requests
#   CONCURRENCY=32 PORT=18191 OUT=/tmp/fuzz scripts/fuzz-http.sh
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-200000}
CONCURRENCY=${CONCURRENCY:-16}
SEED=${SEED:-1}
PORT=${PORT:-18090}
OUT=${OUT:-target/fuzz-http}

echo "building the debug binary and the fuzzer" >&2
cargo build --quiet --bin oauth-console --example fuzz_http
BIN=target/debug/oauth-console
FUZZER=target/debug/examples/fuzz_http

rm -rf "$OUT"
mkdir -p "$OUT"
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

export OAUTH_CONSOLE_ADMIN_PASSWORD="fuzzing password"
RUST_LOG=warn "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" \
  2>"$OUT/server.log" &
SERVER_PID=$!

FAILED=0
FUZZ_ADDR="127.0.0.1:$PORT" FUZZ_REQUESTS="$REQUESTS" FUZZ_CONCURRENCY="$CONCURRENCY" \
  FUZZ_SEED="$SEED" FUZZ_OUT="$OUT" "$FUZZER" || FAILED=1

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "FAILURE the server exited during the run; its log is $OUT/server.log" >&2
  FAILED=1
fi
PANICS=$(grep -c 'panicked' "$OUT/server.log" || true)
if [ "$PANICS" -ne 0 ]; then
  echo "FAILURE $PANICS panics in the server's log ($OUT/server.log):" >&2
  grep -A3 'panicked' "$OUT/server.log" | head -40 >&2
  FAILED=1
fi
echo "server log: $(wc -l <"$OUT/server.log") lines, $PANICS panics" >&2
exit "$FAILED"
