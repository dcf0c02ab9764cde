"""Measure echo cancellation through real audio devices (PulseAudio virtual speaker and mic).

    python scripts/measure_echo.py [--replies 20] [--barge-ins 6] [--backends webrtc,nlms]

The assistant's own TTS replies play through `assistant.audio.Player` into the virtual speaker;
`module-loopback` carries speaker.monitor into the virtual mic (the echo path: output latency +
30 ms loopback + resampling + input latency); `assistant.audio.Microphone` records 30 ms frames.
Each frame goes through one EchoCanceller per backend, then through the SpeechGate and the
project's webrtcvad Endpointer, as the live mode would. Reported per backend:

* ERLE: mic energy / cleaned energy over frames where our reply is audible, after the first reply;
* false barge-ins: replies (echo only) during which the Endpointer started an utterance,
  for the raw mic (no AEC), AEC alone, and AEC + gate (gated frames fed as silence);
* barge-ins detected: replies with a user's question (another voice, played into micfeed 1 s
  into the reply) over which AEC + gate + VAD started an utterance, and how long after the onset.

Needs: pulseaudio (scripts/pulse_ci.sh installs and starts it), the TTS model (model store).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

REPLIES = [
    "Sure. The weather today is sunny with a light breeze, and it should reach twenty degrees.",
    "Your next meeting is at three o'clock with the design team, in the small room.",
    "I set a timer for ten minutes. I will let you know when it is done.",
    "Paris is the capital of France. It has about two million people in the city itself.",
    "Here is a simple recipe: boil the pasta, then toss it with olive oil, garlic and lemon.",
]
USER = ["Wait, stop. What time is it?", "Hey, cancel that please.", "No, I meant tomorrow morning."]


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replies", type=int, default=20, help="echo-only replies (false barge-in count)")
    ap.add_argument("--barge-ins", type=int, default=6, help="replies with the user talking over them")
    ap.add_argument("--backends", default="", help="comma-separated; default: webrtc (if installed) and nlms")
    ap.add_argument("--gate-db", type=float, default=10.0, help="SpeechGate threshold_db")
    ap.add_argument("--loopback-ms", type=int, default=30)
    ap.add_argument("--dump", help="save mic / aligned reference / output per backend to this .npz")
    ap.add_argument("--user-gain", type=float, default=0.5, help="user's voice level relative to TTS")
    args = ap.parse_args()
    if not args.backends:
        try:
            import pywebrtc_audio  # noqa: F401
            args.backends = "webrtc,nlms"
        except ImportError:
            args.backends = "nlms"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # still unload the loopback when killed

    # 1. devices first: PortAudio reads the device list when sounddevice is imported
    p = subprocess.run(["bash", str(REPO / "scripts" / "pulse_ci.sh")], capture_output=True, text=True)
    if p.returncode:
        print(p.stderr, file=sys.stderr)
        return 2
    for kv in p.stdout.strip().splitlines()[-1].removeprefix("export ").split():
        k, _, v = kv.partition("=")
        os.environ[k] = v
    loop_id = sh("pactl", "load-module", "module-loopback", "source=speaker.monitor", "sink=micfeed",
                 f"latency_msec={args.loopback_ms}", "source_dont_move=true", "sink_dont_move=true")
    try:
        return run(args)
    finally:
        subprocess.run(["pactl", "unload-module", loop_id], capture_output=True)


def run(args) -> int:
    import soundfile as sf

    import tts
    from assistant.audio import Microphone, Player, resample
    from assistant.config import load
    from assistant.echo import EchoCanceller, SpeechGate
    from assistant.vad import Endpointer

    cfg = load()
    t = time.perf_counter()
    cache = Path(tempfile.gettempdir()) / "assistant-measure-echo"
    cache.mkdir(exist_ok=True)

    def speak(text: str, voice: str) -> np.ndarray:       # TTS once per text, kept between runs
        import hashlib

        f = cache / (hashlib.sha1(f"{voice}:{text}".encode()).hexdigest()[:16] + ".wav")
        if f.exists():
            return sf.read(str(f), dtype="float32")[0]
        audio = tts.synthesize(text, voice=voice)[0]
        sf.write(str(f), audio, 24000, subtype="FLOAT")
        return audio

    replies = [speak(s, "af_heart") for s in REPLIES]
    users = [speak(s, "am_michael") for s in USER]
    tmp = Path(tempfile.mkdtemp(prefix="measure-echo-"))
    user_wavs = []
    for i, u in enumerate(users):
        w = tmp / f"user{i}.wav"
        sf.write(str(w), resample(u * args.user_gain, 24000, 16000), 16000, subtype="FLOAT")
        user_wavs.append((w, len(u) / 24000))
    print(f"TTS: {len(replies)} replies, {len(users)} user questions in {time.perf_counter() - t:.1f} s")

    backends = [b for b in args.backends.split(",") if b]
    cancellers = {b: EchoCanceller(backend=b) for b in backends}
    gates = {b: SpeechGate(args.gate_db) for b in backends}
    lock = threading.Lock()
    log: list[dict] = []            # one record per mic frame

    def on_block(block: np.ndarray, rate: int) -> None:   # Player's callback thread: the reference
        for ec in cancellers.values():
            ec.reference(block, rate)

    def on_frame(frame: np.ndarray, _clean=None) -> None:   # capture thread
        rec = {"t": time.perf_counter(), "mic": float(np.mean(frame.astype(np.float64) ** 2)), "frame": frame}
        for b, ec in cancellers.items():
            clean = ec.process(frame)
            rec[b] = clean
            rec[b + ":ref"] = ec.last_reference
            rec[b + ":playing"] = ec.playing
            rec[b + ":settling"] = ec.settling
            rec[b + ":user"] = gates[b].is_user(ec.mic_of_output, clean, speaking=ec.playing, trusted=ec.trusted)
        with lock:
            log.append(rec)

    player = Player(24000, on_block=on_block)
    mic = Microphone(480, on_frame)
    time.sleep(1.0)

    def play_reply(audio: np.ndarray, user: tuple[Path, float] | None):
        """Play one reply (+ optional user voice 1 s in); returns (start, end, user_onset, user_end)."""
        with lock:
            i0 = len(log)
        t0 = time.perf_counter()
        player.play(audio)
        onset = end_u = None
        proc = None
        if user is not None:
            time.sleep(1.0)
            onset = time.perf_counter()
            proc = subprocess.Popen(["paplay", "-d", "micfeed", str(user[0])])
            end_u = onset + user[1]
        player.drain()
        if proc:
            proc.wait()
        time.sleep(0.6)                          # echo tail + the half-second `playing` hold
        with lock:
            i1 = len(log)
        return i0, i1, t0, onset, end_u

    trials = []
    for i in range(args.replies):
        trials.append(("echo", play_reply(replies[i % len(replies)], None)))
    for i in range(args.barge_ins):
        trials.append(("user", play_reply(replies[i % len(replies)], user_wavs[i % len(user_wavs)])))
    mic.close()
    player.close()
    if args.dump:
        np.savez(args.dump, mic=np.concatenate([r["frame"] for r in log]),
                 **{f"{b}_{k}": np.concatenate([r[b + s] for r in log]) for b in backends
                    for k, s in (("out", ""), ("ref", ":ref"))},
                 **{f"{b}_{k}": np.array([r[b + s] for r in log]) for b in backends
                    for k, s in (("playing", ":playing"), ("settling", ":settling"))},
                 trials=np.array([(kind == "user", i0, i1) for kind, (i0, i1, *_r) in trials]),
                 onsets=np.array([(next((k for k in range(i0, i1) if log[k]["t"] >= onset), i1) if onset else -1)
                                  for kind, (i0, i1, t0, onset, end_u) in trials]))

    import webrtcvad

    need = -(-cfg.audio.barge_in_ms // cfg.vad.frame_ms)

    def barge_in(frames: list[np.ndarray], user: list[bool]) -> int | None:
        """The live loop's rule: `need` frames in a row that are the user's (gate) and speech (VAD)."""
        vad, run_ = webrtcvad.Vad(cfg.vad.aggressiveness), 0
        for k, (f, u) in enumerate(zip(frames, user)):
            pcm = (np.clip(f, -1, 1) * 32767).astype("<i2").tobytes()
            run_ = run_ + 1 if u and vad.is_speech(pcm, 16000) else 0
            if run_ >= need:
                return k
        return None

    def endpointer_fires(frames: list[np.ndarray]) -> int | None:
        ep = Endpointer(cfg.vad)
        for k, f in enumerate(frames):
            ep.feed(f)
            if ep.in_speech:
                return k
        return None

    print(f"\nloopback {args.loopback_ms} ms, {args.replies} echo-only replies, {args.barge_ins} with the user "
          f"talking over them (user voice {20 * np.log10(args.user_gain):+.0f} dB vs TTS), gate {args.gate_db} dB")
    def count(kind: str, fires) -> tuple[int, list[float]]:
        """Trials of `kind` where `fires(recs)` gives a frame index (after the user's onset for 'user')."""
        n, lat = 0, []
        for k_, (i0, i1, t0, onset, end_u) in trials:
            if k_ != kind:
                continue
            recs = log[i0:i1]
            k = fires(recs)
            if k is None:
                continue
            if kind == "user":
                if recs[k]["t"] < onset:
                    continue
                lat.append((recs[k]["t"] - onset) * 1000)
            n += 1
        return n, lat

    raw_ep = count("echo", lambda r: endpointer_fires([x["frame"] for x in r]))[0]
    raw_bi = count("echo", lambda r: barge_in([x["frame"] for x in r], [True] * len(r)))[0]
    print(f"raw mic (no AEC, no gate): false barge-ins {raw_bi}/{args.replies}, endpointer starts {raw_ep}/{args.replies}")
    for b in backends:
        ec = cancellers[b]
        num = den = 0.0
        for n, (kind, (i0, i1, *_r)) in enumerate(trials):
            if kind == "echo" and n >= 1:            # after the first reply: converged
                for r in log[i0:i1]:
                    if r[b + ":playing"]:
                        num += r["mic"]
                        den += float(np.mean(r[b].astype(np.float64) ** 2))
        erle = 10 * np.log10(num / max(den, 1e-20)) if num > 0 else float("nan")   # (needs >= 2 replies)
        gated = lambda r: [x[b] if x[b + ":user"] else np.zeros_like(x[b]) for x in r]  # noqa: E731
        f_aec = count("echo", lambda r: barge_in([x[b] for x in r], [True] * len(r)))[0]
        f_bi = count("echo", lambda r: barge_in([x[b] for x in r], [x[b + ":user"] for x in r]))[0]
        f_ep = count("echo", lambda r: endpointer_fires(gated(r)))[0]
        d_bi, lat_bi = count("user", lambda r: barge_in([x[b] for x in r], [x[b + ":user"] for x in r]))
        d_ep, lat_ep = count("user", lambda r: endpointer_fires(gated(r)))
        med = lambda v: f", median {np.median(v):.0f} ms after the user's onset" if v else ""  # noqa: E731
        print(f"{b}: ERLE {erle:.1f} dB (canceller's own stat {ec.erle_db:.1f} dB)\n"
              f"   false barge-ins on echo only ({need} frames user+voiced in a row): AEC alone {f_aec}/{args.replies}, "
              f"AEC+gate {f_bi}/{args.replies}; endpointer starts on gated frames {f_ep}/{args.replies}\n"
              f"   user over playback: barge-in {d_bi}/{args.barge_ins}{med(lat_bi)}; "
              f"endpointer {d_ep}/{args.barge_ins}{med(lat_ep)}\n"
              f"   {ec.stats()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
