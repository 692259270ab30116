#!/usr/bin/env bash
# Soak of `oauth-console serve`: does anything grow without bound under steady load? Builds the
# release server and the load program (examples/soak.rs), starts `serve` on loopback over a fresh
# data directory, creates the apps and users the load needs, measures the peak of each grant
# alone (client credentials; code exchange, i.e. Approve on the consent page then the code's
# exchange; refresh), then runs all three together for DURATION seconds, each at a third of LOAD%
# of its peak (each peak takes the whole machine, so the three together come to about LOAD% of
# what the server can do), and prints, every minute: the rate of each grant, the errors, the server's resident memory and
# the data directory's size on disk. Ends with what the server's sweeper logged.
#
#   scripts/soak.sh                          # 10 minutes at 80% of each peak
#   DURATION=120 PEAK_SECONDS=10 scripts/soak.sh
#
# Lifetimes are short so that what the sweeper removes expires within the run: refresh tokens
# last 2 minutes (REFRESH_TTL, `serve --refresh-token-ttl`), codes always 5 minutes, and the
# load's one sign-in per user makes sessions that outlast it (an hour). The sweeper keeps each record one minute past the instant it
# stops mattering and sweeps every minute, so the store stops growing after about 7 minutes
# (codes: 5 + 1 + up to 1), the last kind to reach its steady state.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-600}
PEAK_SECONDS=${PEAK_SECONDS:-20}
LOAD=${LOAD:-80}
PORT=${PORT:-18090}
REFRESH_TTL=${REFRESH_TTL:-2m}
CODE_USERS=${CODE_USERS:-4}
REFRESH_USERS=${REFRESH_USERS:-4}

echo "building the release server and the load program" >&2
cargo build --release --quiet --bin oauth-console
cargo build --quiet --example soak
BIN=target/release/oauth-console
LOAD_BIN=target/debug/examples/soak

WORK=$(mktemp -d)
DATA="$WORK/data"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PASSWORD="soak password"
export OAUTH_CONSOLE_ADMIN_PASSWORD="$PASSWORD"
oc() { "$BIN" --data-dir "$DATA" "$@"; }
json() { jq -er "$1"; }

CC=$(oc apps create --name soak-client-credentials \
  --scope /twilio/messaging/messages/read --json 2>/dev/null)
ORG=$(oc owners --json | json '.[] | select(.type == "organization") | .sid')
REDIRECT="https://soak.example.com/callback"
AC=$(oc apps create --owner "$ORG" --grant-type authorization-code --name soak-portal \
  --scope managed-users/read --scope offline_access \
  --redirect-uri "$REDIRECT" --company "Soak Inc" --json)
users() {
  local kind=$1 count=$2 names=""
  for i in $(seq 1 "$count"); do
    printf '%s' "$PASSWORD" | oc users add "soak-$kind-$i" --owner "$ORG" --role Developer \
      --password-stdin >/dev/null
    names="$names soak-$kind-$i"
  done
  echo "$names"
}
export SOAK_URL="http://127.0.0.1:$PORT"
SOAK_CC_ID=$(json .client_id <<<"$CC")
SOAK_CC_SECRET=$(json .client_secret <<<"$CC")
SOAK_AC_ID=$(json .client_id <<<"$AC")
SOAK_AC_SECRET=$(json .client_secret <<<"$AC")
SOAK_CODE_USERS=$(users code "$CODE_USERS")
SOAK_REFRESH_USERS=$(users refresh "$REFRESH_USERS")
export SOAK_CC_ID SOAK_CC_SECRET SOAK_AC_ID SOAK_AC_SECRET SOAK_CODE_USERS SOAK_REFRESH_USERS
export SOAK_REDIRECT="$REDIRECT" SOAK_PASSWORD="$PASSWORD" SOAK_DATA_DIR="$DATA"

# The server's own lines (the sweeper's counts among them), not one per request.
RUST_LOG=warn,oauth_console=info "$BIN" --data-dir "$DATA" serve --listen "127.0.0.1:$PORT" \
  --refresh-token-ttl "$REFRESH_TTL" 2>"$WORK/server.log" &
SERVER_PID=$!
export SOAK_SERVER_PID=$SERVER_PID
for _ in $(seq 1 100); do
  if curl -fs "$SOAK_URL/.well-known/jwks.json" >/dev/null 2>&1; then break; fi
  sleep 0.1
done

echo "peak of each grant alone, ${PEAK_SECONDS}s each (per second):"
peak() {
  local line
  line=$("$LOAD_BIN" peak "$1" "$PEAK_SECONDS")
  echo "  $line" >&2
  awk '{ print $2 }' <<<"$line"
}
CC_PEAK=$(peak client-credentials)
CODE_PEAK=$(peak code)
REFRESH_PEAK=$(peak refresh)
at_load() { awk -v peak="$1" -v load="$LOAD" 'BEGIN { printf "%.0f", peak * load / 100 / 3 }'; }
CC_RATE=$(at_load "$CC_PEAK")
CODE_RATE=$(at_load "$CODE_PEAK")
REFRESH_RATE=$(at_load "$REFRESH_PEAK")
echo "soak: the three together for ${DURATION}s, each at a third of ${LOAD}% of its peak:" \
  "client credentials $CC_RATE/s," \
  "code exchanges $CODE_RATE/s, refreshes $REFRESH_RATE/s (RSS: the server's; store: on disk)"
"$LOAD_BIN" run "$CC_RATE" "$CODE_RATE" "$REFRESH_RATE" "$DURATION"

echo "what the sweeper removed (server log):"
grep "swept" "$WORK/server.log" | sed 's/^/  /' || echo "  nothing"
if grep -q "ERROR" "$WORK/server.log"; then
  echo "the server logged errors:" >&2
  grep "ERROR" "$WORK/server.log" | head -20 >&2
  exit 1
fi
