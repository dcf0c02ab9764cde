"""Batched Kokoro-82M through onnxruntime: several phoneme strings in one run.

Runs the model built by `tts.batched.build` (dynamic batch and length; inputs input_ids [B,T],
input_lengths [B], styles [B,256], speed [1]; outputs audio [B,N], audio_lengths [B]).
Runtime dependencies: onnxruntime and numpy only.

Conventions match the shipped single-sentence model (tts.kokoro.KokoroEngine.synth_phonemes):
each item is tokenised as [0, ids..., 0] (at most 510 ids), its style row is
voice_pack[len(ids) - 1], and its audio is trimmed to its own length.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union

import numpy as np

from tts.errors import TTSError
from tts.kokoro import MAX_TOKENS, SAMPLE_RATE, load_vocab, session_options, tokenize
from tts.voices import PACK_ROWS, STYLE_DIM, VoiceBank

Styles = Union[str, Sequence[str], np.ndarray]

__all__ = ["BatchedKokoro", "SAMPLE_RATE"]


class BatchedKokoro:
    def __init__(self, model_path: Path, vocab_path: Path, voices_dir: Path, threads: int = 2,
                 max_batch: int = 8, workers: int = 1, max_batch_tokens: int | None = None) -> None:
        """`workers` > 1 runs that many batches at once on the one session (Python threads); on a
        2-core CPU threads=1, workers=2 gives more throughput than one 2-thread run at a time.
        `max_batch_tokens` caps a batch's padded size (items x longest item's tokens): activations
        grow with it, so a memory budget that allows one run of N tokens allows batches of N."""
        import onnxruntime as ort

        self.session = ort.InferenceSession(str(model_path), session_options(threads),
                                            providers=["CPUExecutionProvider"])
        names = {i.name for i in self.session.get_inputs()}
        expected = {"input_ids", "input_lengths", "styles", "speed"}
        if names != expected:
            raise TTSError(f"{model_path} is not a batched Kokoro model (inputs {sorted(names)}, "
                           f"expected {sorted(expected)}); build one with `python -m tts.batched`")
        self.vocab = load_vocab(vocab_path)
        self.bank = VoiceBank(voices_dir)
        self.max_batch = max(1, int(max_batch))
        self.workers = max(1, int(workers))
        self.max_batch_tokens = max_batch_tokens

    # ---- voices ------------------------------------------------------------------------------
    def voice(self, spec: str) -> np.ndarray:
        return self.bank.get(spec)

    def voices(self) -> list[str]:
        return self.bank.names()

    # ---- inputs ------------------------------------------------------------------------------
    def tokens(self, phonemes: str) -> list[int]:
        return tokenize(self.vocab, phonemes)[:MAX_TOKENS]

    def _styles(self, ids: list[list[int]], styles: Styles) -> np.ndarray:
        if isinstance(styles, np.ndarray):
            arr = np.asarray(styles, dtype=np.float32).reshape(-1, STYLE_DIM)
            if len(arr) != len(ids):
                raise TTSError(f"got {len(arr)} style rows for {len(ids)} phoneme strings")
            return arr
        specs = [styles] * len(ids) if isinstance(styles, str) else list(styles)
        if len(specs) != len(ids):
            raise TTSError(f"got {len(specs)} voices for {len(ids)} phoneme strings")
        return np.stack([self.voice(v)[min(len(i), PACK_ROWS) - 1] for v, i in zip(specs, ids)]).astype(np.float32)

    # ---- synthesis ---------------------------------------------------------------------------
    def run(self, ids: list[list[int]], styles: np.ndarray, speed: float = 1.0) -> list[np.ndarray]:
        """One padded batch of non-empty token lists (without the 0 ends) -> one array per item."""
        lengths = np.array([len(i) + 2 for i in ids], dtype=np.int64)
        tokens = np.zeros((len(ids), int(lengths.max())), dtype=np.int64)
        for b, i in enumerate(ids):
            tokens[b, 1:len(i) + 1] = i
        audio, audio_len = self.session.run(None, {
            "input_ids": tokens, "input_lengths": lengths, "styles": np.ascontiguousarray(styles, np.float32),
            "speed": np.array([speed], dtype=np.float32)})
        return [audio[b, : int(audio_len[b])].astype(np.float32, copy=True) for b in range(len(ids))]

    def _groups(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        """Consecutive items of `order` in batches of at most max_batch items and, when set,
        max_batch_tokens padded tokens (an item longer than that alone still gets a batch)."""
        groups: list[list[int]] = []
        for k in order:
            g = groups[-1] if groups else None
            if g is not None and len(g) < self.max_batch and (
                    self.max_batch_tokens is None
                    or (len(g) + 1) * max(lengths[k], *(lengths[j] for j in g)) <= self.max_batch_tokens):
                g.append(k)
            else:
                groups.append([k])
        return groups

    def synthesize_batch(self, phoneme_strings: Sequence[str], styles: Styles = "af_heart",
                         speed: float = 1.0, sort: bool = True) -> list[np.ndarray]:
        """Phoneme strings (≤ 510 symbols each) to audio, one array per string, in input order.

        `styles`: a voice spec for all items ('af_heart', 'af_heart:0.7,bf_emma:0.3'), one spec per
        item, or explicit style rows [B,256]. Items are run in batches of at most `max_batch`,
        grouped by length when `sort` so that little padding is computed.
        """
        if not 0.5 <= speed <= 2.0:
            raise TTSError(f"speed {speed} is out of range: use 0.5 to 2.0")
        ids = [self.tokens(p) for p in phoneme_strings]
        rows = self._styles([i or [0] for i in ids], styles)
        out: list[np.ndarray] = [np.zeros(0, dtype=np.float32) for _ in ids]
        todo = [k for k, i in enumerate(ids) if i]
        if sort:
            todo.sort(key=lambda k: len(ids[k]))
        groups = self._groups(todo, [len(i) + 2 for i in ids])

        def work(group: list[int]) -> None:
            for k, a in zip(group, self.run([ids[k] for k in group], rows[group], speed)):
                out[k] = a

        if self.workers > 1 and len(groups) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.workers) as pool:
                list(pool.map(work, groups))
        else:
            for group in groups:
                work(group)
        return out

    def warm_up(self, voice: str = "af_heart") -> None:
        self.synthesize_batch(["hˈɛlO."], voice)
