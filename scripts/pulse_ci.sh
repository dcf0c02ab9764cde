#!/usr/bin/env bash
# Real audio I/O on a machine without a sound card (CI, containers, SSH boxes): start a user-less
# PulseAudio with a virtual speaker and a virtual microphone. Idempotent; works as root.
#
#   speaker  null sink, float32 24 kHz mono, default output; record it from `speaker.monitor`
#   micfeed  null sink, float32 16 kHz mono; play a WAV into it: `paplay -d micfeed in.wav`
#   mic      remap of micfeed.monitor, the default input the program records from
#
# Installs pulseaudio pulseaudio-utils libasound2-plugins libportaudio2 with apt when missing.
# Last line printed: the environment clients need, e.g.  eval "$(scripts/pulse_ci.sh | tail -1)"
# State lives in $AUDIO_DIR (default ${TMPDIR:-/tmp}/assistant-pulse). Stop: scripts/stop_pulse_ci.sh
set -euo pipefail
AUDIO_DIR="${AUDIO_DIR:-${TMPDIR:-/tmp}/assistant-pulse}"
mkdir -p "$AUDIO_DIR"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$AUDIO_DIR/run}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export PULSE_SERVER="unix:$XDG_RUNTIME_DIR/pulse/native"

need_install() {
  command -v pactl >/dev/null && command -v pulseaudio >/dev/null && command -v paplay >/dev/null || return 0
  command -v dpkg >/dev/null || return 1
  dpkg -s libasound2-plugins libportaudio2 >/dev/null 2>&1 || return 0
  return 1
}
if need_install; then
  if ! command -v apt-get >/dev/null; then
    echo "pulse_ci: pulseaudio/pactl missing and no apt-get: install pulseaudio, pulseaudio-utils and PortAudio" >&2
    exit 2
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  echo "pulse_ci: installing pulseaudio pulseaudio-utils libasound2-plugins libportaudio2 (apt, ~40 s)" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      pulseaudio pulseaudio-utils libasound2-plugins libportaudio2 >&2
fi

cat > "$AUDIO_DIR/daemon.conf" <<'CONF'
avoid-resampling = yes
default-sample-format = float32le
exit-idle-time = -1
realtime-scheduling = no
high-priority = no
CONF
# norewinds=1: without it the first 9-19 ms of each playback after idle come back as zeros
cat > "$AUDIO_DIR/ci.pa" <<'PA'
load-module module-native-protocol-unix auth-anonymous=1
load-module module-null-sink sink_name=speaker norewinds=1 format=float32le rate=24000 channels=1 sink_properties=device.description=VirtualSpeaker
load-module module-null-sink sink_name=micfeed norewinds=1 format=float32le rate=16000 channels=1 sink_properties=device.description=VirtualMicFeed
load-module module-remap-source source_name=mic master=micfeed.monitor channels=1 source_properties=device.description=VirtualMic
set-default-sink speaker
set-default-source mic
PA

if pactl info >/dev/null 2>&1; then
  echo "pulse_ci: pulseaudio already running (pid $(cat "$XDG_RUNTIME_DIR/pulse/pid" 2>/dev/null || echo ?))" >&2
else
  PULSE_CONFIG="$AUDIO_DIR/daemon.conf" pulseaudio --daemonize=yes --exit-idle-time=-1 --system=no \
      -n -F "$AUDIO_DIR/ci.pa" --log-target=file:"$AUDIO_DIR/pulse.log"
  for _ in $(seq 1 100); do pactl info >/dev/null 2>&1 && break; sleep 0.05; done
  if ! pactl info >/dev/null 2>&1; then
    echo "pulse_ci: pulseaudio did not come up; log: $AUDIO_DIR/pulse.log" >&2
    tail -20 "$AUDIO_DIR/pulse.log" >&2 || true
    exit 1
  fi
  echo "pulse_ci: pulseaudio started, pid $(cat "$XDG_RUNTIME_DIR/pulse/pid")" >&2
fi
echo "export XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR PULSE_SERVER=$PULSE_SERVER"
