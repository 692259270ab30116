#!/usr/bin/env bash
# Kills one of two `serve` processes over one PostgreSQL database mid-load, then counts what the
# load was told was written (answered 2xx) against what the surviving server finds. Writes go
# through both servers at once: apps created, changed and their secrets rotated, over the
# management API, by WORKERS curl loops. Prints the acknowledged and present counts, and how many
# requests the survivor failed (it should be none).
#
#   OAUTH_CONSOLE_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres \
#     scripts/fleet-kill.sh
#   BIN=target/release/oauth-console WORKERS=8 SECONDS_BEFORE=5 SECONDS_AFTER=5 scripts/fleet-kill.sh
# The role must be allowed to create databases (scripts/start-postgres.sh makes one that is); the
# script makes a database of its own and drops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${OAUTH_CONSOLE_TEST_DATABASE_URL:?set OAUTH_CONSOLE_TEST_DATABASE_URL to a role that may create databases}
BIN=${BIN:-target/debug/oauth-console}
WORKERS=${WORKERS:-4}
SECONDS_BEFORE=${SECONDS_BEFORE:-4}
SECONDS_AFTER=${SECONDS_AFTER:-4}
PORT_A=${PORT_A:-18191}
PORT_B=${PORT_B:-18192}
DB=oauth_console_fleet_kill
DB_URL="${ADMIN_URL%/*}/$DB"
PASSWORD="fleet kill password"

for tool in curl jq psql; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "build $BIN first (cargo build), or set BIN" >&2; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -qtA "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export PGOPTIONS="-c client_min_messages=warning"
psql -qtA "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql -qtA "$ADMIN_URL" -c "CREATE DATABASE $DB" >/dev/null

serve() { # PORT NAME
  mkdir -p "$WORK/$2"
  OAUTH_CONSOLE_DATABASE_URL="$DB_URL" OAUTH_CONSOLE_ADMIN_PASSWORD="$PASSWORD" \
    "$BIN" --data-dir "$WORK/$2" --issuer "http://127.0.0.1:8080" \
    serve --listen "127.0.0.1:$1" 2>"$WORK/$2.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "serve on port $1 did not become ready; see $WORK/$2.log" >&2
  exit 1
}
# One after the other: the first makes the tables and the first user.
serve "$PORT_A" a
PID_A=${PIDS[0]}
serve "$PORT_B" b
A="http://127.0.0.1:$PORT_A"
B="http://127.0.0.1:$PORT_B"

SESSION=$(curl -fs "$A/v1/sessions" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | jq -r .token)
OWNER=$(curl -fs "$A/v1/owners" -H "authorization: Bearer $SESSION" | jq -r '.owners[0].sid')

# One worker: on BASE, create an app, change it, rotate its secret, again and again, until the stop
# file appears. Each 2xx goes to its acknowledged file as "create SID", "update SID TEXT" or
# "rotate SID SECRET"; every answer's status to its statuses file.
worker() { # NAME BASE
  local acked="$WORK/acked.$1" statuses="$WORK/statuses.$1" round=0 out status sid
  : >"$acked"; : >"$statuses"
  while [ ! -e "$WORK/stop" ]; do
    round=$((round + 1))
    out=$(curl -s -o "$WORK/body.$1" -w '%{http_code}' "$2/v1/owners/$OWNER/apps" \
      -H "authorization: Bearer $SESSION" -H 'content-type: application/json' \
      -d "{\"friendly_name\":\"$1 round $round\",\"scopes\":[\"/twilio/messaging/messages/read\"]}") || out=000
    echo "$out" >>"$statuses"
    [ "$out" = 201 ] || continue
    sid=$(jq -r .client_id "$WORK/body.$1")
    echo "create $sid" >>"$acked"
    status=$(curl -s -o /dev/null -w '%{http_code}' "$2/v1/apps/$sid" \
      -H "authorization: Bearer $SESSION" -H 'content-type: application/json' \
      -d "{\"description\":\"changed in round $round\"}") || status=000
    echo "$status" >>"$statuses"
    [ "$status" = 200 ] && echo "update $sid changed in round $round" >>"$acked"
    status=$(curl -s -o "$WORK/body.$1" -w '%{http_code}' "$2/v1/apps/$sid/secret" \
      -H "authorization: Bearer $SESSION" -H 'content-type: application/json' \
      -d '{"grace_period":3600}') || status=000
    echo "$status" >>"$statuses"
    [ "$status" = 200 ] && echo "rotate $sid $(jq -r .client_secret "$WORK/body.$1")" >>"$acked"
  done
}

WORKER_PIDS=()
for i in $(seq 1 "$WORKERS"); do
  if [ $((i % 2)) = 1 ]; then worker "a$i" "$A" & else worker "b$i" "$B" & fi
  WORKER_PIDS+=($!)
done
sleep "$SECONDS_BEFORE"
kill -9 "$PID_A"
wait "$PID_A" 2>/dev/null || true
echo "killed the server on port $PORT_A (SIGKILL) after ${SECONDS_BEFORE}s of load"
sleep "$SECONDS_AFTER"
touch "$WORK/stop"
wait "${WORKER_PIDS[@]}"

# What the survivor finds of each acknowledged write.
acked=0 present=0
while read -r kind sid rest; do
  acked=$((acked + 1))
  case "$kind" in
    create)
      status=$(curl -s -o /dev/null -w '%{http_code}' "$B/v1/apps/$sid" -H "authorization: Bearer $SESSION")
      [ "$status" = 200 ] && present=$((present + 1)) ;;
    update)
      found=$(curl -s "$B/v1/apps/$sid" -H "authorization: Bearer $SESSION" | jq -r .description)
      [ "$found" = "$rest" ] && present=$((present + 1)) ;;
    rotate)
      status=$(curl -s -o /dev/null -w '%{http_code}' -u "$sid:$rest" -d token=not-a-token "$B/v2/introspect")
      [ "$status" = 200 ] && present=$((present + 1)) ;;
  esac
done < <(cat "$WORK"/acked.*)

requests_b=$(cat "$WORK"/statuses.b* | wc -l)
failed_b=$(cat "$WORK"/statuses.b* | grep -cv '^20[01]$' || true)
acked_a=$(cat "$WORK"/acked.a* | wc -l)
echo "acknowledged writes: $acked ($acked_a through the killed server), present afterwards: $present, lost: $((acked - present))"
echo "the surviving server: $requests_b requests, $failed_b failed"
[ "$acked" = "$present" ] && [ "$failed_b" = 0 ]
