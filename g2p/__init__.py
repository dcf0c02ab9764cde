"""English grapheme-to-phoneme conversion for Kokoro, in the style of Misaki (no spaCy).

    >>> import g2p
    >>> g2p.phonemize("Hello world")
"""
from __future__ import annotations

import threading

from .errors import G2PError

__all__ = ['G2P', 'G2PError', 'phonemize', 'default']

_default = None
_lock = threading.Lock()


def __getattr__(name: str):
    # Importing the package must stay cheap: the class (and regex, lexicons) load on use.
    if name == 'G2P':
        from .pipeline import G2P
        return G2P
    raise AttributeError(name)


def default():
    """The shared G2P built from G2P_GOLD/G2P_SILVER or the model store (built once)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from .pipeline import G2P
                _default = G2P()
    return _default


def phonemize(text: str) -> str:
    """Phonemes (Kokoro alphabet) for English `text`; raises G2PError if nothing is speakable."""
    return default()(text)
