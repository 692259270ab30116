#!/usr/bin/env bash
# Crash safety of the embedded store: SIGKILLs `oauth-console apps create` processes (release
# build) at random moments inside opening the store, inside the create's commit and during
# shutdown, with a CPU hog on every core, and after every round checks that the store opens and
# that every create that printed its client ID is still listed with its audit event. Data
# directories start new every 10 rounds, so that first opens are killed too. Prints the rounds,
# the kills in each phase, the stores repaired on open, the unopenable stores and the lost
# acknowledged writes; exits non-zero unless the last two are 0. An unopenable store is kept
# (its path is printed).
#
#   scripts/sigkill-loop.sh               # 500 rounds
#   ROUNDS=50 HOG=0 scripts/sigkill-loop.sh
#
# The loop itself is the suite's test crash::processes_sigkilled_… (30 rounds there, against the
# debug build); this runs it longer and under load.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-500}
# CPU hogs (stress-ng workers); 0 for none. One per core by default.
HOG=${HOG:-$(nproc)}

if ! command -v stress-ng >/dev/null 2>&1 && [ "$HOG" -gt 0 ]; then
  echo "stress-ng is missing; installing it from Debian's packages" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq stress-ng >/dev/null
fi

echo "building the release binary and the test harness" >&2
cargo build --release --quiet
cargo test --quiet --test tests --no-run

HOG_PID=""
cleanup() {
  if [ -n "$HOG_PID" ]; then
    kill "$HOG_PID" 2>/dev/null || true
    wait "$HOG_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
if [ "$HOG" -gt 0 ]; then
  stress-ng --cpu "$HOG" --quiet &
  HOG_PID=$!
fi

echo "$ROUNDS rounds under $HOG CPU hog(s)" >&2
SIGKILL_ROUNDS=$ROUNDS OAUTH_CONSOLE_BIN="$PWD/target/release/oauth-console" \
  cargo test --quiet --test tests \
  crash::processes_sigkilled_inside_open_commit_and_shutdown_leave_a_store_that_opens_with_every_acknowledged_app \
  -- --exact --nocapture
