"""espeak-ng fallback for words the lexicon lacks, mapped into Misaki/Kokoro symbols.

espeak is only asked about unknown words, all of a sentence's unknowns in one call,
and answers are kept in an LRU cache: names and product words recur a lot.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Iterable, Optional

# espeak IPA (with '^' ties) -> Misaki's one-letter diphthongs and US conventions.
# Longest keys first so 'a^ɪ' wins over 'a'.
_E2M = sorted({
    'ʔˌn\u0329': 'ʔn', 'ʔn\u0329': 'ʔn',
    'a^ɪ': 'I', 'a^ʊ': 'W', 'd^ʒ': 'ʤ', 'e^ɪ': 'A', 'e': 'A', 't^ʃ': 'ʧ', 'ɔ^ɪ': 'Y',
    'ə^l': 'ᵊl', 'ʲo': 'jo', 'ʲə': 'jə', 'ʲ': '', 'ɚ': 'əɹ', 'r': 'ɹ', 'x': 'k', 'ç': 'k',
    'ɐ': 'ə', 'ɬ': 'l', '\u0303': '',
}.items(), key=lambda kv: -len(kv[0]))
_SYLLABIC = re.compile(r'(\S)\u0329')


def espeak_to_misaki(ps: str) -> str:
    ps = ps.strip()
    for old, new in _E2M:
        ps = ps.replace(old, new)
    ps = _SYLLABIC.sub(r'ᵊ\1', ps).replace('\u0329', '')
    ps = ps.replace('o^ʊ', 'O').replace('ɜːɹ', 'ɜɹ').replace('ɜː', 'ɜɹ').replace('ɪə', 'iə')
    ps = ps.replace('ː', '').replace('o', 'ɔ')
    return ps.replace('^', '').replace('-', '')


class EspeakFallback:
    """Batching, caching wrapper around phonemizer's espeak-ng backend (en-us)."""

    def __init__(self, cache_size: int = 4096):
        self._backend = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Optional[str]] = OrderedDict()
        self._size = cache_size
        self.available: Optional[bool] = None

    def preload(self) -> None:
        """Import phonemizer in the background: it takes ~0.4 s, most of it csvw/rdflib."""
        def run() -> None:
            with self._lock:
                self._load()
        threading.Thread(target=run, name='g2p-espeak-preload', daemon=True).start()

    def _load(self) -> bool:
        if self.available is not None:
            return self.available
        try:
            import espeakng_loader
            from phonemizer.backend import EspeakBackend
            from phonemizer.backend.espeak.wrapper import EspeakWrapper
            EspeakWrapper.set_library(espeakng_loader.get_library_path())
            EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
            import logging
            quiet = logging.getLogger('g2p.espeak')
            quiet.setLevel(logging.ERROR)
            self._backend = EspeakBackend(language='en-us', preserve_punctuation=False,
                                          with_stress=True, tie='^', logger=quiet)
            self.available = True
        except Exception:  # missing library or data: degrade to spelling, never crash
            self.available = False
        return self.available

    def lookup_many(self, words: Iterable[str]) -> dict[str, Optional[str]]:
        """Phonemes for each word (None when espeak yields nothing usable)."""
        out: dict[str, Optional[str]] = {}
        todo: list[str] = []
        with self._lock:
            for w in words:
                if w in out:
                    continue
                if w in self._cache:
                    self._cache.move_to_end(w)
                    out[w] = self._cache[w]
                else:
                    out[w] = None
                    todo.append(w)
            if not todo or not self._load():
                return out
            try:
                res = self._backend.phonemize(todo, strip=True, njobs=1)
            except Exception:
                res = [''] * len(todo)
            for w, ps in zip(todo, res):
                ps = espeak_to_misaki(ps) if ps else ''
                val = ps if ps.strip() else None
                out[w] = val
                self._cache[w] = val
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return out
