"""The model store, below `g2p`, `tts` and `assistant`: every model file pinned by sha256 and cached,
and which Kokoro model file to speak with.

    >>> import models
    >>> store = models.default_store()
    >>> store.path("kokoro-v1.0-int8")          # fetched on first use
"""
from __future__ import annotations

from models.choice import FAST_KOKORO, SHIPPED_KOKORO, kokoro_model
from models.errors import ModelError
from models.store import Artifact, FileSpec, ModelStore, default_root, default_store, load_manifest

__all__ = ["Artifact", "FileSpec", "ModelStore", "ModelError", "default_root", "default_store", "load_manifest",
           "kokoro_model", "SHIPPED_KOKORO", "FAST_KOKORO"]
