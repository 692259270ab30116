#!/usr/bin/env bash
# How long one Tab takes: the completion request a shell sends for `oauth-console apps show OQ`,
# run TABS times over a temporary store with APPS apps, first with the store free (the completer
# opens it itself), then while `oauth-console serve` holds it (asked over the control socket),
# beside `oauth-console --version` (starting the process and nothing else) as the reference.
#
#   scripts/bench-completion.sh                         # the release build
#   BIN=target/debug/oauth-console scripts/bench-completion.sh
#   TABS=50 APPS=200 scripts/bench-completion.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-target/release/oauth-console}
TABS=${TABS:-20}
APPS=${APPS:-20}
PORT=${PORT:-18091}
[ -x "$BIN" ] || cargo build --release --quiet
DATA=$(mktemp -d)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$DATA"' EXIT
export OAUTH_CONSOLE_ADMIN_PASSWORD="bench completion password"
oc() { "$BIN" --config-dir "$DATA/config" --data-dir "$DATA/store" "$@"; }

for i in $(seq "$APPS"); do
  oc apps create --name "app-$i" --scope /twilio/messaging/messages/read >/dev/null 2>&1
done

per_run_ms() { # label, command...
  local label=$1; shift
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$TABS"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  printf '%-40s %6.1f ms\n' "$label" "$(echo "($end - $start) / $TABS / 1000000" | bc -l)"
}
tab() { OAUTH_CONSOLE_COMPLETE=fish "$BIN" -- oauth-console --config-dir "$DATA/config" --data-dir "$DATA/store" apps show OQ; }

offered=$(tab | wc -l)
echo "$offered client IDs offered, $TABS Tabs each:"
per_run_ms "reference: oauth-console --version" "$BIN" --version
per_run_ms "Tab, store free (opened directly)" tab
oc serve --listen "127.0.0.1:$PORT" 2>/dev/null &
SERVER_PID=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do sleep 0.1; done
per_run_ms "Tab, store held by serve (socket)" tab
