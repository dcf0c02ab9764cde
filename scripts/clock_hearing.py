#!/usr/bin/env python3
"""Is a spoken clock time heard as that time? Kokoro reads "It's H:MM AM." from our G2P's phonemes
with the colon Misaki glues between hours and minutes ("sˈɪks:twˈɛlv") and without it (a word break,
what g2p says now), and Whisper transcribes each; a time counts as heard when the transcript holds
the hour and minute digits and no other word ("6 at 12" is wrong: a listener hears another time).

    python scripts/clock_hearing.py [--voices af_heart,am_michael,bf_emma]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MINUTES = ("05", "12", "20", "30", "47")


def heard_as(transcript: str, hour: int, minutes: str) -> bool:
    t = re.sub(r"\bit(?:'?s| is)?\b", " ", transcript.lower())
    t = re.sub(r"\b[ap]\.? ?m\b\.?|[ap]m\b", " ", t)
    t = re.sub(r"\b(o|oh)\b", "0", t)
    return not re.search(r"[a-z]", t) and re.sub(r"\D", "", t) == f"{hour}{minutes}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--voices", default="af_heart,am_michael,bf_emma")
    args = ap.parse_args()

    import g2p
    from assistant.asr import Transcriber
    from assistant.audio import resample
    from assistant.config import load
    from models.store import default_store
    import tts

    cfg, store = load(), default_store()
    asr = Transcriber(store.dir(cfg.models.asr), cfg.asr)
    engine = tts.default_engine()  # the fast model once it is built
    right = {"colon": 0, "word break": 0}
    times = [(h, mm) for h in range(1, 13) for mm in MINUTES]
    voices = args.voices.split(",")
    for voice in voices:
        for hour, minutes in times:
            text = f"It's {hour}:{minutes} {'AM' if hour % 2 else 'PM'}."
            spoken = g2p.phonemize(text)
            hour_word = g2p.phonemize(str(hour)).rstrip(".")
            glued = spoken.replace(f"{hour_word} ", f"{hour_word}:", 1)  # Misaki's reading
            if glued == spoken:
                raise SystemExit(f"no hour {hour_word!r} to glue in {spoken!r}")
            for name, phonemes in (("colon", glued), ("word break", spoken)):
                transcript = asr.transcribe(resample(engine.synth_phonemes(phonemes, voice), 24000, 16000))
                ok = heard_as(transcript, hour, minutes)
                right[name] += ok
                if not ok:
                    print(f"{voice:12s} {text:16s} {name:10s} heard {transcript!r}")
    total = len(voices) * len(times)
    print(" ".join(f"{name}: {n}/{total} heard right" for name, n in right.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
