"""Batched Kokoro: parity of padded batches with solo runs, and of the rebuilt model with the shipped one.

The batched model is found, in order, at $ASSISTANT_BATCHED_KOKORO (a directory holding
kokoro-batched.fp32.onnx / .int8.onnx), else in the model store's "kokoro-batched" entry, else it
is built once per session into a temporary directory when torch and onnx are installed (~40 s).
Without any of these the tests skip and say why.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from tts.batched.metrics import logmel_distance, logmel_distance_dtw

from models.store import default_root

MODELS = default_root()
SHIPPED = MODELS / "kokoro-v1.0-int8/kokoro-v1.0.int8.onnx"
VOCAB = MODELS / "kokoro-vocab/vocab.json"
VOICES = MODELS / "kokoro-voices"

# Kokoro phoneme strings (misaki US style), hard-coded so these tests do not depend on the G2P.
SENTENCES = [
    ("həlˈO wˈɜɹld.", "hello world"),
    ("ʃˈʊɹ, hˈɪɹ ɪt ɪz.", "sure here it is"),
    ("ðə wˈɛðəɹ ɪz sˈʌni tədˈA, wɪθ ə hˈI ʌv sˈɛvənti dəɡɹˈiz.",
     "the weather is sunny today with a high of seventy degrees"),
    ("aɪ sˈɛt ə tˈIməɹ fɔɹ tˈɛn mˈɪnəts.", "i set a timer for ten minutes"),
]
BATCH_DB = 0.5      # batched item vs the same item alone, mean log-mel distance
SHIPPED_DB = 2.5    # rebuilt fp32 vs shipped int8, time-aligned (int8 activation noise, source phase drift)


def _have(mod: str) -> bool:
    return importlib.util.find_spec(mod) is not None


def _store_dir() -> Path | None:
    try:
        from models.store import default_store

        d = Path(default_store().dir("kokoro-batched"))
        return d if (d / "kokoro-batched.fp32.onnx").is_file() else None
    except Exception:
        return None


@pytest.fixture(scope="session")
def batched_dir(tmp_path_factory) -> Path:
    if not (SHIPPED.is_file() and VOCAB.is_file() and VOICES.is_dir()):
        pytest.skip(f"shipped Kokoro model files are not in {MODELS} (run setup first)")
    env = os.environ.get("ASSISTANT_BATCHED_KOKORO")
    if env and (Path(env) / "kokoro-batched.fp32.onnx").is_file():
        return Path(env)
    found = _store_dir()
    if found:
        return found
    if not (_have("torch") and _have("onnx")):
        pytest.skip("no built batched Kokoro model and no torch/onnx to build one "
                    "(pip install torch==2.13.0 onnx, or set ASSISTANT_BATCHED_KOKORO)")
    from tts.batched import build

    out = tmp_path_factory.mktemp("kokoro-batched")
    build(out, SHIPPED)
    return out


@pytest.fixture(scope="session")
def fp32_engine(batched_dir):
    from tts.batched_engine import BatchedKokoro

    e = BatchedKokoro(batched_dir / "kokoro-batched.fp32.onnx", VOCAB, VOICES)
    e.warm_up()
    return e


@pytest.fixture(scope="session")
def fp32_solo(fp32_engine):
    return [fp32_engine.synthesize_batch([p])[0] for p, _ in SENTENCES]


@pytest.fixture(scope="session")
def shipped_audio():
    import onnxruntime as ort

    from tts.kokoro import load_vocab
    from tts.voices import load_voice

    vocab, pack = load_vocab(VOCAB), load_voice(VOICES, "af_heart")
    sess = ort.InferenceSession(str(SHIPPED), providers=["CPUExecutionProvider"])
    out = []
    for p, _ in SENTENCES:
        ids = [vocab[c] for c in p if c in vocab]
        (a,) = sess.run(None, {"tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                               "style": pack[len(ids) - 1][None], "speed": np.array([1.0], np.float32)})
        out.append(a.reshape(-1))
    return out


def test_weights_map_completely():
    if not (_have("torch") and _have("onnx")):
        pytest.skip("needs torch and onnx (build-time tools)")
    if not SHIPPED.is_file():
        pytest.skip(f"shipped model not found at {SHIPPED}")
    import torch

    from tts.batched.model import BatchedKModel
    from tts.batched.weights import load_into

    model = BatchedKModel().eval()
    with torch.no_grad():
        report = load_into(model, SHIPPED)
    assert report == {"missing": [], "unexpected": []}


def test_batch_items_match_solo_runs(fp32_engine, fp32_solo):
    batch = fp32_engine.synthesize_batch([p for p, _ in SENTENCES], sort=False)
    for (p, _), a, s in zip(SENTENCES, batch, fp32_solo):
        d = logmel_distance(a, s)
        print(f"{p[:24]!r:28} samples {len(a)} solo {len(s)} max|diff| {np.abs(a - s).max():.4f} "
              f"log-mel {d:.3f} dB")
        assert len(a) == len(s)
        assert d < BATCH_DB


def test_batch_order_and_empty_items(fp32_engine, fp32_solo):
    strings = [SENTENCES[2][0], "", SENTENCES[0][0]]
    out = fp32_engine.synthesize_batch(strings, styles=["af_heart", "af_heart", "af_heart"])
    assert len(out[1]) == 0
    assert len(out[0]) == len(fp32_solo[2]) and len(out[2]) == len(fp32_solo[0])


def test_rebuilt_model_close_to_shipped(fp32_solo, shipped_audio):
    for (p, _), a, r in zip(SENTENCES, fp32_solo, shipped_audio):
        d = logmel_distance_dtw(a, r)
        print(f"{p[:24]!r:28} rebuilt {len(a)} shipped {len(r)} log-mel {logmel_distance(a, r):.3f} dB, "
              f"time-aligned {d:.3f} dB")
        assert abs(len(a) - len(r)) <= 600 * 2  # durations may differ by a rounding step or two
        assert d < SHIPPED_DB


def test_int8_variant(batched_dir, fp32_solo):
    path = batched_dir / "kokoro-batched.int8.onnx"
    if not path.is_file():
        pytest.skip("no int8 variant was built")
    from tts.batched_engine import BatchedKokoro

    e = BatchedKokoro(path, VOCAB, VOICES)
    batch = e.synthesize_batch([p for p, _ in SENTENCES])
    solo = [e.synthesize_batch([p])[0] for p, _ in SENTENCES]
    for (p, _), a, s, f in zip(SENTENCES, batch, solo, fp32_solo):
        print(f"{p[:24]!r:28} int8 batch-vs-solo {logmel_distance(a, s):.3f} dB, int8-vs-fp32 "
              f"{logmel_distance(s, f):.3f} dB")
        assert len(a) == len(s) == len(f)  # the text side is not quantised: durations are exact


@pytest.mark.slow
def test_whisper_round_trip(fp32_engine, fp32_solo, shipped_audio):
    try:
        import soxr

        from assistant.asr import Transcriber
        from assistant.config import load
        from models.store import default_store

        cfg = load()
        model_dir = default_store().dir(cfg.models.asr)
        asr = Transcriber(model_dir, cfg.asr)
    except Exception as e:  # pragma: no cover - environment dependent
        pytest.skip(f"whisper unavailable: {e}")
    import re

    def words(t: str) -> set[str]:
        return set(re.sub(r"[^a-z ]", " ", t.lower()).split())

    for (_, text), mine, ref in zip(SENTENCES, fp32_solo, shipped_audio):
        got = asr.transcribe(soxr.resample(mine, 24000, 16000))
        ship = asr.transcribe(soxr.resample(ref, 24000, 16000))
        recall = len(words(got) & words(text)) / len(words(text))
        print(f"{text!r}: rebuilt {got!r} ({recall:.0%}), shipped {ship!r}")
        assert recall >= 0.6
