"""Kokoro-82M through onnxruntime: phonemes in, 24 kHz float32 audio out.

The shipped export takes one sequence of at most 510 phoneme tokens, a style vector
chosen by the sequence's length from the voice pack, and a speed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from tts.errors import TTSError
from tts.voices import PACK_ROWS, VoiceBank

SAMPLE_RATE = 24000
MAX_TOKENS = 510
# Where a long phoneme string may be cut, best first: sentence ends, clause marks, spaces.
_CUTS = (re.compile(r"(?<=[.!?…])\s+"), re.compile(r"(?<=[,;:—])\s+"), re.compile(r"\s+"))
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def speech_bounds(audio: np.ndarray, rel_db: float = -40.0, lead_s: float = 0.03,
                  tail_s: float = 0.08) -> tuple[int, int]:
    """Where the speech in a chunk lies, [start, end) in samples: the quiet the model puts around
    every chunk (~0.3 s before, ~0.45 s after) left out, a short margin kept so consonants are not
    clipped. (0, 0) when nothing is loud."""
    win = SAMPLE_RATE // 100  # 10 ms
    n = len(audio) // win
    if n == 0:
        return 0, len(audio)
    rms = np.sqrt((audio[: n * win].reshape(n, win) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > max(rms.max() * 10 ** (rel_db / 20), 1e-4))
    if not len(loud):
        return 0, 0
    start = max(0, loud[0] * win - int(lead_s * SAMPLE_RATE))
    end = min(len(audio), (loud[-1] + 1) * win + int(tail_s * SAMPLE_RATE))
    return start, end


def trim_silence(audio: np.ndarray, rel_db: float = -40.0, lead_s: float = 0.03, tail_s: float = 0.08) -> np.ndarray:
    """The chunk cut to its speech (`speech_bounds`). Pauses between sentences are then added on purpose."""
    start, end = speech_bounds(audio, rel_db, lead_s, tail_s)
    return audio[start:end]


def tokenize(vocab: dict[str, int], phonemes: str) -> list[int]:
    """Token ids of the symbols Kokoro knows; others (none, from our G2P) are dropped."""
    return [vocab[p] for p in phonemes if p in vocab]


def load_vocab(path: Path) -> dict[str, int]:
    data = json.loads(Path(path).read_text("utf-8"))
    return data.get("vocab", data)


def split_phonemes(phonemes: str, limit: int = MAX_TOKENS) -> list[str]:
    """Cut a phoneme string into pieces of at most `limit` symbols, at the best break available."""
    if len(phonemes) <= limit:
        return [phonemes]
    for cut in _CUTS:
        parts = [p for p in cut.split(phonemes) if p]
        if len(parts) > 1:
            out, cur = [], ""
            for p in parts:
                if cur and len(cur) + 1 + len(p) > limit:
                    out.append(cur)
                    cur = p
                else:
                    cur = f"{cur} {p}" if cur else p
            out.append(cur)
            return [q for piece in out for q in split_phonemes(piece, limit)]
    return [phonemes[i:i + limit] for i in range(0, len(phonemes), limit)]


def session_options(threads: int):
    """onnxruntime options every Kokoro session here shares: `threads` for one run, no inter-op pool,
    no memory patterns (onnxruntime plans one block per input shape it has seen twice; every
    sentence has its own length, so with patterns on the arena grew by the size of a long
    sentence's activations again and again: +200 MB on repeating one 95-token sentence. Off: flat,
    same speed)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_mem_pattern = False
    return opts


class KokoroEngine:
    def __init__(self, model_path: Path, vocab_path: Path, voices_dir: Path, threads: int = 2,
                 phonemize: Callable[[str], str] | None = None, max_tokens: int = MAX_TOKENS) -> None:
        """`max_tokens`: the longest phoneme string synthesised in one run (≤ 510). A run's
        activations grow with its length (~1.7 MB per token here, measured for the fast model) and onnxruntime keeps the largest
        it has needed, so a memory budget caps this; longer sentences are split at punctuation."""
        import onnxruntime as ort

        opts = session_options(threads)
        # The extended optimisations' layout change (QLinearConv to NHWC plus transposes) holds
        # ~25 MB more of our fast model and gains no time on it or on the shipped model.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        # Idle worker threads sleep instead of spinning: on two cores a spinning pool starves the
        # audio callback while a reply plays (ALSA underruns, and barge-in missed 1 time in 4).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.vocab = load_vocab(vocab_path)
        self.bank = VoiceBank(voices_dir)
        if phonemize is None:
            import g2p

            phonemize = g2p.phonemize
        self.phonemize = phonemize
        self.max_tokens = min(int(max_tokens), MAX_TOKENS)

    # ---- voices -----------------------------------------------------------------------
    def voice(self, spec: str) -> np.ndarray:
        return self.bank.get(spec)

    def voices(self) -> list[str]:
        return self.bank.names()

    # ---- synthesis ----------------------------------------------------------------------
    def tokens(self, phonemes: str) -> list[int]:
        return tokenize(self.vocab, phonemes)

    def synth_phonemes(self, phonemes: str, voice: str = "af_heart", speed: float = 1.0) -> np.ndarray:
        """One phoneme string (≤ 510 symbols) to audio."""
        if not 0.5 <= speed <= 2.0:
            raise TTSError(f"speed {speed} is out of range: use 0.5 to 2.0")
        ids = self.tokens(phonemes)[:MAX_TOKENS]
        if not ids:
            return np.zeros(0, dtype=np.float32)
        style = self.voice(voice)[min(len(ids), PACK_ROWS) - 1][None, :]
        tokens = np.array([[0, *ids, 0]], dtype=np.int64)
        speed_in = np.array([speed], dtype=np.float32)
        if "input_ids" in self.input_names:  # a rebuilt model (tts.batched): batch of one
            audio, n = self.session.run(None, {"input_ids": tokens, "input_lengths": np.array([tokens.shape[1]]),
                                               "styles": style.astype(np.float32), "speed": speed_in})
            audio = audio[0, : int(n[0])]
        else:
            feeds = {"tokens": tokens, "style": style, "speed": speed_in}
            (audio,) = self.session.run(None, {k: feeds[k] for k in self.input_names})
        return trim_silence(audio.reshape(-1).astype(np.float32))

    def pieces(self, text: str) -> list[str]:
        """The phoneme strings `text` is spoken in: one per sentence (or per ≤ max_tokens piece of a long one)."""
        if not text.strip():
            raise TTSError("nothing to say: the text is empty")
        return [piece for sentence in _SENTENCE_END.split(self.phonemize(text))
                for piece in split_phonemes(sentence.strip(), self.max_tokens) if piece]

    def stream(self, text: str, voice: str = "af_heart", speed: float = 1.0,
               progress: bool = False) -> Iterator[np.ndarray]:
        """Text to audio, one chunk per piece. `progress`: a bar on a terminal (stderr) for long texts."""
        self.voice(voice)  # fail on a bad voice before any work
        pieces = self.pieces(text)
        if progress:
            from tqdm import tqdm

            # shown only after 2 s and only on a terminal (disable=None), so short replies stay quiet
            pieces = tqdm(pieces, desc="speaking", unit="sentence", delay=2, disable=None, leave=False)
        for piece in pieces:
            yield self.synth_phonemes(piece, voice, speed)

    def synthesize(self, text: str, voice: str = "af_heart", speed: float = 1.0,
                   pause_s: float = 0.12, progress: bool = False) -> np.ndarray:
        gap = np.zeros(int(pause_s * SAMPLE_RATE), dtype=np.float32)
        chunks = [c for a in self.stream(text, voice, speed, progress) for c in (a, gap)]
        return np.concatenate(chunks[:-1]) if chunks else np.zeros(0, dtype=np.float32)

    def warm_up(self, voice: str = "af_heart") -> None:
        """One short run, through the G2P: its lexicons load on first use (~180 ms) and espeak-ng
        starts on the first word they lack (~20 ms), which a reply's first chunk would wait for."""
        self.synth_phonemes(self.phonemize("Hello, Zorblax."), voice)
