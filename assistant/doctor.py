"""`assistant doctor`: what this machine has, and the fix for each problem found."""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from models.store import ModelStore

PACKAGES = ["faster-whisper", "ctranslate2", "llama-cpp-python", "onnxruntime", "numpy", "sounddevice",
            "webrtcvad-wheels", "phonemizer-fork", "espeakng-loader", "regex", "soxr", "soundfile"]


def _mem_total_mb() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def doctor(store: ModelStore, used_models: set[str], llm: str, echo_cancel: str = "auto") -> int:
    """`llm`: the store name of the config's language model, run once in a child process."""
    problems: list[tuple[str, str]] = []
    print(f"python      {sys.version.split()[0]} ({sys.executable})")
    if sys.version_info < (3, 10):
        problems.append(("Python is older than 3.10", "install Python 3.10 or newer"))
    print(f"platform    {platform.platform()}  cpus={os.cpu_count()}", end="")
    mem = _mem_total_mb()
    print(f"  memory={mem / 1024:.1f} GiB" if mem else "")

    for name in PACKAGES:
        try:
            print(f"  {name:18s} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            print(f"  {name:18s} MISSING")
            problems.append((f"package {name} is not installed", "pip install -e . (from the project folder)"))

    try:
        import sounddevice as sd

        devices = sd.query_devices()
        ins = [d["name"] for d in devices if d["max_input_channels"] > 0]
        outs = [d["name"] for d in devices if d["max_output_channels"] > 0]
        print(f"audio       PortAudio {sd.get_portaudio_version()[1]}")
        print(f"  inputs:  {', '.join(ins) or 'none'}")
        print(f"  outputs: {', '.join(outs) or 'none'}")
        if not ins:
            problems.append(("no microphone found",
                             "plug one in or start PulseAudio/PipeWire; file mode works without: "
                             "assistant run --input q.wav --output a.wav"))
        if not outs:
            problems.append(("no speaker found", "start the sound server, or write replies with --output"))
    except OSError as e:
        print(f"audio       unavailable ({e})")
        problems.append(("PortAudio is missing", "Debian/Ubuntu: apt-get install libportaudio2"))

    if echo_cancel != "off":
        from assistant.echo import pick_backend

        try:
            print(f"  echo cancelling: {pick_backend(echo_cancel)} (audio.echo_cancel = {echo_cancel})")
        except ImportError as e:
            print(f"  echo cancelling: unavailable ({e})")
            problems.append((f"echo canceller {echo_cancel!r} cannot run here", "audio.echo_cancel = \"auto\", or " + str(e)))

    print(f"models      cache {store.root}")
    for name in store.artifacts:
        state = store.status(name)
        used = name in used_models
        print(f"  {name:30s} {state}{'' if used else '  (optional: not used by this config)'}")
        if used and state != "cached":
            problems.append((f"model {name} is {state}", "assistant models fetch"))

    if store.status(llm) == "cached":
        from assistant.llm_check import FIX, check

        result = check(store.path(llm))
        print(f"llm         {'ok' if result.ok else 'FAILED'}: {result.message}")
        if result.system_info:
            print(f"  built for: {result.system_info}")
        if not result.ok:
            problems.append((result.message, FIX))

    if problems:
        print(f"\n{len(problems)} problem(s):")
        for what, fix in problems:
            print(f"  - {what}\n    fix: {fix}")
        return 1
    print("\nall good")
    return 0
