"""Run a TFLite model through the TensorFlow Lite C library that PyPI `pyopen-wakeword` ships.

    model = TfLiteModel("x.tflite", threads=1)
    model.inputs, model.outputs          # [(name, shape), ...] in the model's own order
    outs = model.run([a, b, ...])         # float32 arrays in, float32 arrays out

Why not a Python TFLite package: `ai-edge-litert` (Google's, well kept) is 59 MB installed and
pulls protobuf and more, for the echo canceller's two small models; the wake word already brings
this 5 MB library (`assistant.wake`), with wheels for Linux x86-64/ARM64, macOS and Windows. The
C API used here is TFLite's stable one (tensorflow/lite/c/c_api.h): a handful of calls.
"""
from __future__ import annotations

import ctypes as C
import os
import sys
from pathlib import Path

import numpy as np

_FLOAT32 = 1  # TfLiteType kTfLiteFloat32


def library_path() -> Path:
    """The C library inside pyopen-wakeword; ImportError (saying what to install) if it is not there."""
    try:
        import pyopen_wakeword
    except ImportError:
        raise ImportError("the TFLite runtime comes with the pyopen-wakeword package: "
                          "pip install 'pyopen-wakeword>=1.1,<2'") from None
    lib_dir = Path(pyopen_wakeword.__file__).parent / "lib"
    for name in ("libtensorflowlite_c.so", "libtensorflowlite_c.dylib", "tensorflowlite_c.dll"):
        if (lib_dir / name).is_file():
            return lib_dir / name
    raise ImportError(f"pyopen-wakeword has no TFLite C library in {lib_dir}")


def available() -> bool:
    """This machine has the library (pyopen-wakeword is installed with it)."""
    try:
        library_path()
    except ImportError:
        return False
    return True


def _lib() -> C.CDLL:
    """The library with its signatures declared (dlopen gives every caller the one loaded copy)."""
    path = str(library_path())
    # RTLD_GLOBAL as pyopen-wakeword loads it, so both share that copy
    lib = C.CDLL(path) if sys.platform == "win32" else C.CDLL(path, mode=os.RTLD_GLOBAL)
    p, i32 = C.c_void_p, C.c_int32
    for fn, args, res in [
        ("TfLiteModelCreateFromFile", [C.c_char_p], p),
        ("TfLiteModelDelete", [p], None),
        ("TfLiteInterpreterOptionsCreate", [], p),
        ("TfLiteInterpreterOptionsSetNumThreads", [p, i32], None),
        ("TfLiteInterpreterOptionsDelete", [p], None),
        ("TfLiteInterpreterOptionsAddDelegate", [p, p], None),
        ("TfLiteXNNPackDelegateCreate", [p], p),
        ("TfLiteXNNPackDelegateDelete", [p], None),
        ("TfLiteInterpreterCreate", [p, p], p),
        ("TfLiteInterpreterDelete", [p], None),
        ("TfLiteInterpreterAllocateTensors", [p], C.c_int),
        ("TfLiteInterpreterInvoke", [p], C.c_int),
        ("TfLiteInterpreterGetInputTensorCount", [p], i32),
        ("TfLiteInterpreterGetOutputTensorCount", [p], i32),
        ("TfLiteInterpreterGetInputTensor", [p, i32], p),
        ("TfLiteInterpreterGetOutputTensor", [p, i32], p),
        ("TfLiteTensorType", [p], C.c_int),
        ("TfLiteTensorNumDims", [p], i32),
        ("TfLiteTensorDim", [p, i32], i32),
        ("TfLiteTensorName", [p], C.c_char_p),
        ("TfLiteTensorCopyFromBuffer", [p, p, C.c_size_t], C.c_int),
        ("TfLiteTensorCopyToBuffer", [p, p, C.c_size_t], C.c_int),
    ]:
        f = getattr(lib, fn)
        f.argtypes, f.restype = args, res
    return lib


class TfLiteModel:
    """One interpreter for one .tflite file whose inputs and outputs are all float32."""

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        lib = self._lib = _lib()
        self._model = lib.TfLiteModelCreateFromFile(str(path).encode())
        if not self._model:
            raise ValueError(f"{path}: not a TFLite model (or unreadable)")
        opts = lib.TfLiteInterpreterOptionsCreate()
        lib.TfLiteInterpreterOptionsSetNumThreads(opts, threads)
        # XNNPACK's kernels (the default options: one thread) take the model's fully connected and
        # elementwise ops; the library's builtin ones took 1.6-2x as long for DTLN-aec. It must
        # outlive the interpreter.
        self._xnnpack = lib.TfLiteXNNPackDelegateCreate(None)
        if self._xnnpack:
            lib.TfLiteInterpreterOptionsAddDelegate(opts, self._xnnpack)
        self._it = lib.TfLiteInterpreterCreate(self._model, opts)
        lib.TfLiteInterpreterOptionsDelete(opts)
        if not self._it or lib.TfLiteInterpreterAllocateTensors(self._it) != 0:
            raise ValueError(f"{path}: the TFLite runtime could not prepare it (an operator it lacks?)")
        self._in = [lib.TfLiteInterpreterGetInputTensor(self._it, i)
                    for i in range(lib.TfLiteInterpreterGetInputTensorCount(self._it))]
        self._out = [lib.TfLiteInterpreterGetOutputTensor(self._it, i)
                     for i in range(lib.TfLiteInterpreterGetOutputTensorCount(self._it))]
        for t in self._in + self._out:
            if lib.TfLiteTensorType(t) != _FLOAT32:
                raise ValueError(f"{path}: tensor {self._name(t)} is not float32")
        self.inputs = [(self._name(t), self._shape(t)) for t in self._in]
        self.outputs = [(self._name(t), self._shape(t)) for t in self._out]

    def _name(self, t) -> str:
        return (self._lib.TfLiteTensorName(t) or b"").decode()

    def _shape(self, t) -> tuple[int, ...]:
        return tuple(self._lib.TfLiteTensorDim(t, d) for d in range(self._lib.TfLiteTensorNumDims(t)))

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """Inputs in the model's order (`inputs`), each of its shape; the outputs in theirs."""
        lib = self._lib
        if len(inputs) != len(self._in):
            raise ValueError(f"the model takes {len(self._in)} inputs, not {len(inputs)}")
        for t, x, (name, shape) in zip(self._in, inputs, self.inputs):
            x = np.ascontiguousarray(x, np.float32)
            if x.size != int(np.prod(shape)):
                raise ValueError(f"input {name} has shape {shape}, not {x.shape}")
            lib.TfLiteTensorCopyFromBuffer(t, x.ctypes.data, x.nbytes)
        if lib.TfLiteInterpreterInvoke(self._it) != 0:
            raise RuntimeError("the TFLite model failed to run")
        outs = []
        for t, (_, shape) in zip(self._out, self.outputs):
            y = np.empty(shape, np.float32)
            lib.TfLiteTensorCopyToBuffer(t, y.ctypes.data, y.nbytes)
            outs.append(y)
        return outs

    def __del__(self) -> None:
        lib = getattr(self, "_lib", None)
        if lib is not None:
            if getattr(self, "_it", None):
                lib.TfLiteInterpreterDelete(self._it)
            if getattr(self, "_model", None):
                lib.TfLiteModelDelete(self._model)
            if getattr(self, "_xnnpack", None):
                lib.TfLiteXNNPackDelegateDelete(self._xnnpack)
