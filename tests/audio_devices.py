"""Real audio devices for tests on a machine without a sound card (CI, containers).

scripts/pulse_ci.sh starts a PulseAudio with a virtual speaker (`speaker`, 24 kHz, recorded from
`speaker.monitor`) and a virtual microphone (`mic`, fed by playing into `micfeed`). Use:

    from tests.audio_devices import pulse            # in a conftest or test module
    def test_x(pulse):                               # session fixture: starts it or skips
        pulse.play_into_mic("question.wav")          # what the program hears
        audio = pulse.record_speaker(2.0)            # what the program played, float32 24 kHz

or outside pytest: `env = start_pulse()` (raises PulseUnavailable with the reason).

PortAudio reads the device list when `sounddevice` is imported: the server must be up before
that import in the process that opens devices. Run device code in a subprocess started after
the fixture (it inherits XDG_RUNTIME_DIR / PULSE_SERVER, which the fixture puts in os.environ).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "pulse_ci.sh"
STOP = REPO / "scripts" / "stop_pulse_ci.sh"
SPEAKER_RATE = 24000
MIC_RATE = 16000


class PulseUnavailable(RuntimeError):
    pass


def start_pulse(timeout: float = 300) -> dict[str, str]:
    """Start (or find) the virtual-device server; export its env into os.environ and return it."""
    if not (shutil.which("pactl") or shutil.which("apt-get")):
        raise PulseUnavailable("no PulseAudio (pactl) and no apt-get to install it")
    try:
        p = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PulseUnavailable(f"{SCRIPT.name} did not finish in {timeout:.0f} s") from None
    if p.returncode != 0:
        raise PulseUnavailable(f"{SCRIPT.name} failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    env: dict[str, str] = {}
    for line in p.stdout.splitlines():
        if line.startswith("export "):
            for kv in line[len("export "):].split():
                k, _, v = kv.partition("=")
                env[k] = v
    if "PULSE_SERVER" not in env:
        raise PulseUnavailable(f"{SCRIPT.name} printed no environment: {p.stdout!r}")
    env["_STARTED_HERE"] = "0" if "already running" in p.stderr else "1"
    os.environ.update({k: v for k, v in env.items() if not k.startswith("_")})
    return env


def stop_pulse() -> None:
    subprocess.run(["bash", str(STOP)], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)


def play_into_mic(wav_path: str | Path, wait: bool = True) -> subprocess.Popen:
    """Play a WAV into the virtual mic (`paplay -d micfeed`); waits for the end unless wait=False."""
    proc = subprocess.Popen(["paplay", "-d", "micfeed", str(wav_path)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if wait:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"paplay failed: {err.decode(errors='replace').strip()}")
    return proc


class Recorder:
    """`parec` on a monitor source in the background; `stop()` returns float32 mono samples."""

    def __init__(self, source: str = "speaker.monitor", rate: int = SPEAKER_RATE) -> None:
        self.rate = rate
        self._chunks: list[bytes] = []
        self.proc = subprocess.Popen(
            ["parec", "-d", source, "--raw", "--format=float32le", f"--rate={rate}", "--channels=1",
             "--latency-msec=20"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read1(65536):
            self._chunks.append(chunk)

    def recent(self, seconds: float) -> np.ndarray:
        """The last `seconds` recorded so far (float32), while recording goes on."""
        raw = b"".join(self._chunks)[-int(seconds * self.rate) * 4:]
        return np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<f4").astype(np.float32)

    def stop(self) -> np.ndarray:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._t.join(timeout=5)
        raw = b"".join(self._chunks)
        return np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<f4").astype(np.float32)


def record_speaker(seconds: float, source: str = "speaker.monitor", rate: int = SPEAKER_RATE) -> np.ndarray:
    """Record `seconds` of what is being played on the virtual speaker (float32, 24 kHz)."""
    rec = Recorder(source, rate)
    threading.Event().wait(seconds)
    return rec.stop()[: int(seconds * rate)]


class Pulse:
    """What the `pulse` fixture hands a test."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    play_into_mic = staticmethod(play_into_mic)
    record_speaker = staticmethod(record_speaker)
    Recorder = Recorder

    def run_python(self, code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run Python code (argv = args) in a fresh process in the repo; its `import sounddevice`
        then sees the devices."""
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, **self.env}, cwd=str(REPO),
                              stdin=subprocess.DEVNULL)


try:
    import pytest
except ImportError:  # usable outside pytest too
    pytest = None

if pytest is not None:
    @pytest.fixture(scope="session")
    def pulse():
        """The virtual speaker/mic server; the test is skipped, with the reason, when it cannot start."""
        try:
            env = start_pulse()
        except PulseUnavailable as e:
            pytest.skip(f"no audio devices: {e}")
        yield Pulse({k: v for k, v in env.items() if not k.startswith("_")})
        if env.get("_STARTED_HERE") == "1":     # leave a server someone else started alone
            stop_pulse()
