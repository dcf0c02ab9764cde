"""Dereverberation before speech recognition: weighted prediction error (WPE, PyPI `nara_wpe`).

    dry = Dereverberator()(audio16k)     # same length, 16 kHz float32

A room's late reverberation is, per frequency, a delayed linear echo of earlier frames; WPE
predicts it from the frames `delay` and more before and subtracts the prediction, keeping the
direct sound and the early reflections that Whisper copes with. One microphone, one utterance at a
time: the filter is estimated afresh on each (no state to carry between speakers or rooms).
"""
from __future__ import annotations

import numpy as np

from assistant.errors import InputError

# nara_wpe's settings for 16 kHz speech: 32 ms frames, 8 ms hop; 10 taps reach 80 ms past the
# 24 ms guard, the part of a living room's tail that smears one syllable into the next.
FRAME, HOP = 512, 128


class Dereverberator:
    def __init__(self, taps: int = 10, delay: int = 3, iterations: int = 3) -> None:
        try:
            from nara_wpe.utils import istft, stft
            from nara_wpe.wpe import wpe
        except ImportError:
            raise InputError("dereverberation (asr.dereverb) needs nara_wpe",
                             "pip install nara_wpe, or set asr.dereverb = false") from None
        self._stft, self._istft, self._wpe = stft, istft, wpe
        self.taps, self.delay, self.iterations = taps, delay, iterations

    def __call__(self, audio16k: np.ndarray) -> np.ndarray:
        x = np.asarray(audio16k, np.float64)
        if len(x) < FRAME * 4:  # too short to estimate a filter from: nothing to gain
            return np.asarray(audio16k, np.float32)
        spec = self._stft(x[None], size=FRAME, shift=HOP)             # (1, frames, bins)
        dry = self._wpe(spec.transpose(2, 0, 1), taps=self.taps, delay=self.delay,
                        iterations=self.iterations)                   # (bins, 1, frames)
        y = self._istft(dry.transpose(1, 2, 0), size=FRAME, shift=HOP)[0]
        return y[: len(x)].astype(np.float32)
