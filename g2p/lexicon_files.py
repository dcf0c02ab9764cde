"""Loading Misaki's JSON lexicons fast, via a marshal cache keyed on the source's sha256.

json.load of two 3 MB files costs ~0.11 s; the marshalled dicts load faster, which keeps
import + first phonemize inside the budget. Case variants are not materialised (Misaki
"grows" the dictionary): CaseLexicon resolves them at lookup time, halving the memory.
"""
from __future__ import annotations

import gc
import hashlib
import json
import marshal
import os
import tempfile
from pathlib import Path
from typing import Union

Entry = Union[str, dict]
_FORMAT = b'g2p-lex-v2'


class CaseLexicon(dict):
    """A lexicon dict whose lookups also find the Capitalised/lowercase twin of a key."""

    __slots__ = ()

    def get(self, k, default=None):
        v = dict.get(self, k)
        if v is not None or len(k) < 2:
            return default if v is None else v
        if k.islower():
            cap = k.capitalize()
            if cap != k:
                v = dict.get(self, cap)
        elif k == k.lower().capitalize():
            v = dict.get(self, k.lower())
        return default if v is None else v

    def __contains__(self, k) -> bool:
        return self.get(k) is not None


def cache_dir() -> Path:
    env = os.environ.get('G2P_CACHE_DIR')
    if env:
        return Path(env)
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return Path(base) / 'g2p'


def _parse(raw: bytes) -> dict[str, Entry]:
    d = json.loads(raw)
    if not isinstance(d, dict):
        raise ValueError('lexicon JSON must be an object')
    return d


def load_lexicon(path: Union[str, os.PathLike]) -> CaseLexicon:
    return CaseLexicon(_load_raw(path))


def _load_raw(path: Union[str, os.PathLike]) -> dict[str, Entry]:
    """Return the lexicon at `path`, using (and refreshing) the marshal cache."""
    raw = Path(path).read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    cached = cache_dir() / f'{Path(path).stem}-{sha[:20]}.marshal'
    try:
        blob = cached.read_bytes()
        if blob.startswith(_FORMAT):
            enabled = gc.isenabled()
            gc.disable()  # ~180k new objects, none cyclic: collections would be wasted time
            try:
                d = marshal.loads(memoryview(blob)[len(_FORMAT):])
            finally:
                if enabled:
                    gc.enable()
            if isinstance(d, dict):
                return d
    except (OSError, ValueError, EOFError, TypeError):
        pass
    d = _parse(raw)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # Write atomically: two processes may build the cache at the same time.
        fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix='.tmp')
        with os.fdopen(fd, 'wb') as f:
            f.write(_FORMAT + marshal.dumps(d))
        os.replace(tmp, cached)
    except OSError:
        pass  # a read-only cache only costs speed
    return d
