#!/usr/bin/env bash
# Stop the PulseAudio that scripts/pulse_ci.sh started, by the pid in its pid file.
AUDIO_DIR="${AUDIO_DIR:-${TMPDIR:-/tmp}/assistant-pulse}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$AUDIO_DIR/run}"
PIDF="$XDG_RUNTIME_DIR/pulse/pid"
[ -f "$PIDF" ] || { echo "pulse_ci: not running"; exit 0; }
PID=$(cat "$PIDF")
kill "$PID" 2>/dev/null || { echo "pulse_ci: not running (stale pid $PID)"; rm -f "$PIDF"; exit 0; }
for _ in $(seq 1 50); do
  kill -0 "$PID" 2>/dev/null || { echo "pulse_ci: stopped $PID"; exit 0; }
  sleep 0.1
done
echo "pulse_ci: pid $PID did not exit in 5 s" >&2
exit 1
