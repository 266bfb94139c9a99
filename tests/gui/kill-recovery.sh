#!/usr/bin/env bash
# tests/gui/kill-recovery.sh — kill the app (SIGKILL) while it trains; the next start
# must offer the autosaved workspace with the best model at most a few seconds old.
# Copyright 2026 The Currents authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   tests/gui/kill-recovery.sh BUILDDIR SOURCEDIR      (under a display: xvfb-run -a)
#
# The app trains the toggle switch's data (`currents --train`) with autosaves every
# 2 s (CURRENTS_AUTOSAVE_SECONDS; users get minutes), and is killed once an autosave
# holds a model in training and a later one a better model. Then check-recovery opens a
# window as the next start does, and restores what is offered.
set -uo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
app=$build/src/gui/currents
check=$build/tests/gui/check-recovery
tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "not ok - $*"; exit 1; }

export XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data
export XDG_CACHE_HOME=$tmp/cache
export CURRENTS_AUTOSAVE_SECONDS=2
export GSETTINGS_SCHEMA_DIR=${GSETTINGS_SCHEMA_DIR:-$build/data}
# long enough a run to be killed in the middle of it
export GSETTINGS_BACKEND=keyfile
mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings" "$XDG_STATE_HOME"
printf '[org/currents/Currents]\ntrain-epochs=100000\n' > "$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"

# GApplication wants a session bus
run=()
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  run=(dbus-run-session --)
fi
"${run[@]}" bash -c 'echo $$ > "$0/pid"; exec "$1" --train "$2"' "$tmp" "$app" \
  "$src/data/examples/toggle.csv" >"$tmp/app.log" 2>&1 &
for _ in $(seq 1 100); do [ -s "$tmp/pid" ] && break; sleep 0.1; done
pid=$(cat "$tmp/pid" 2>/dev/null) || fail "the app did not start"

autosave_epoch() {
  local f
  f=$(ls "$XDG_STATE_HOME"/currents/autosave-*.currents 2>/dev/null | head -n 1)
  [ -n "$f" ] || return 1
  grep -o 'in training (best of epoch [0-9]*' "$f" | grep -o '[0-9]*$' | head -n 1
}

# an autosave with a model in training, then one with a better model
first=
for _ in $(seq 1 600); do
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/app.log"; fail "the app ended by itself"; }
  first=$(autosave_epoch) && [ -n "$first" ] && break
  sleep 0.2
done
[ -n "$first" ] || { cat "$tmp/app.log"; fail "no autosave with a model in training after 120 s"; }
echo "# autosaved while training: best of epoch $first"
later=
for _ in $(seq 1 300); do
  later=$(autosave_epoch) && [ -n "$later" ] && [ "$later" -gt "$first" ] && break
  later=
  sleep 0.2
done
[ -n "$later" ] || fail "the autosave did not follow training (still epoch $first after 60 s)"

kill -9 "$pid"
killed=$(date +%s)
sleep 0.5
kill -0 "$pid" 2>/dev/null && fail "the app survived SIGKILL"
pid=
file=$(ls "$XDG_STATE_HOME"/currents/autosave-*.currents | head -n 1)
age=$((killed - $(stat -c %Y "$file")))
last=$(autosave_epoch)
echo "# killed during training; the autosave (best of epoch $last) was $age s old"
[ "$age" -le 30 ] || fail "the autosave was $age s old"

# the next start: offered, restored, the same model
GSETTINGS_BACKEND=memory "${run[@]}" "$check" "$last" || fail "recovery failed"
echo "ok - killed at epoch ≥ $last, recovered the model (autosave $age s old)"
