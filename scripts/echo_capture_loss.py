#!/usr/bin/env python3
"""A capture that loses samples mid-reply (an input overflow): does the assistant interrupt itself?

usage: python scripts/echo_capture_loss.py [--lost-ms 100] [--backend dtln] [--rooms laptop,desk,...]

Three of the echo bench's replies (scripts/bench_echo.py) play through each simulated room
(scripts/rooms.py). A third of the way in, the mic loses `--lost-ms` while the Player goes on
writing the reference, as when the capture overflows live. The frames go through the canceller,
the gate and the barge-in rule as in `assistant run`, once without telling the canceller and once
with `EchoCanceller.resync()` (what `Microphone` does on PortAudio's overflow flag). Printed per
room: the barge-ins (every one is the assistant interrupting itself: nobody talks) and the
median echo loss over the 3 s after the gap. A simulation: the rooms are synthetic, the reply TTS.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

import bench_echo as B  # noqa: E402
import rooms  # noqa: E402

F = 480
RATE = B.RATE


def run(far24: np.ndarray, mic: np.ndarray, cut: int, lost: int, resync: bool, backend: str, cfg, dtln_dir):
    from assistant.echo import EchoCanceller
    from assistant.voice_loop import BargeInRule, MicFrame, is_loud, is_user

    ec = EchoCanceller(RATE, F, backend=backend, dtln_dir=dtln_dir)
    gate = ec.speech_gate(cfg.audio.gate_threshold_db)
    rule = BargeInRule(cfg.vad, cfg.audio)
    per_sample = B.TTS_RATE / RATE
    pos = 0.0

    def play(n: int) -> None:                        # the Player hands n mic-clock samples' worth over
        nonlocal pos
        block, pos = B.speaker_block(far24, pos, n * per_sample)
        ec.reference(block, B.TTS_RATE)

    m, barge_ins, losses = 0, [], []
    while m + F <= len(mic):
        if m == cut:
            for k in range(0, lost, F):              # lost to the capture, played all the same
                play(min(F, lost - k))
            m += lost
            if resync:
                ec.resync()
            continue
        play(F)
        raw = mic[m:m + F]
        clean = ec.process(raw)
        if cut < m < cut + 3 * RATE:
            losses.append(10 * np.log10((np.mean(raw ** 2) + 1e-12) / (np.mean(clean ** 2) + 1e-12)))
        if rule.feed(MicFrame(ec.heard, 0, is_user(gate, ec, clean), is_loud(raw))):
            barge_ins.append((m - cut) / RATE)
        m += F
    return barge_ins, float(np.median(losses))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lost-ms", type=int, default=100)
    ap.add_argument("--backend", default="dtln", choices=("dtln", "nlms", "webrtc"))
    ap.add_argument("--rooms", default=",".join(r.name for r in rooms.ROOMS))
    args = ap.parse_args()

    from answer_voices import Speakers

    from assistant.config import load
    from models.store import default_root, default_store

    cfg = load()
    store = default_store()
    speakers = Speakers.for_bench(cfg, store, default_root().parent / "bench-echo")
    dtln_dir = store.dir(cfg.models.echo) if args.backend == "dtln" else None
    lost = args.lost_ms * RATE // 1000
    far24 = np.concatenate([speakers.audio("af_heart", B.REPLIES[i], B.TTS_RATE) for i in range(3)])
    far = B.far16(far24)
    print(f"{args.backend}, {args.lost_ms} ms lost a third of the way into 3 replies "
          f"({len(far) / RATE:.0f} s; simulated rooms)")
    for name in args.rooms.split(","):
        room = rooms.room_named(name.strip())
        h = rooms.impulse_response(room, room.speaker_mic_m, seed=0)
        echo = B.echo_of(far, room, h)
        echo *= 10 ** ((B.ECHO_DB - rooms.active_db(echo)) / 20)
        mic = (echo + rooms.white_noise(len(echo), B.NOISE_DB, seed=1)).astype(np.float32)
        cut = len(mic) // 3 // F * F
        cells = []
        for resync in (False, True):
            barge_ins, loss = run(far24, mic, cut, lost, resync, args.backend, cfg, dtln_dir)
            first = f", first {barge_ins[0]:.2f} s after" if barge_ins else ""
            cells.append(f"{'resync' if resync else 'not told'}: {len(barge_ins)} barge-ins{first}, loss {loss:.1f} dB")
        print(f"{room.name:8s} " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
