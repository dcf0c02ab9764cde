"""espeak-ng fallback for words the lexicon lacks, mapped into Misaki/Kokoro symbols.

espeak is only asked about unknown words, all of a sentence's unknowns in one call,
and answers are kept in an LRU cache: names and product words recur a lot.

phonemizer-fork carries the espeak-ng binding, but importing the `phonemizer` package
runs its __init__, which pulls in csvw, rdflib, segments and joblib (~45 MB, ~0.3 s) for
backends we never use. We load only its three ctypes modules (voice, api, wrapper) from
their files, so the binding is phonemizer's own code without the weight.
"""
from __future__ import annotations

import importlib.util
import re
import sys
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


_FLAGS = re.compile(r'\([a-z-]+\)')
_PUNCT = re.compile(r'[;:,.!?¡¿—…"«»“”(){}\[\]]')
_WRAPPER_MODULES = ('voice', 'api', 'wrapper')
_WRAPPER_DEPS = ('atexit', 'ctypes', 'ctypes.util', 'functools', 'os', 'pathlib', 'shutil',
                 'tempfile', 'typing', 'weakref')


def _load_wrapper_class():
    """phonemizer's EspeakWrapper, without executing phonemizer/__init__.py."""
    full = 'phonemizer.backend.espeak.'
    if full + 'wrapper' in sys.modules or 'phonemizer' in sys.modules:
        from phonemizer.backend.espeak.wrapper import EspeakWrapper
        return EspeakWrapper
    spec = importlib.util.find_spec('phonemizer')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('phonemizer not installed')
    base = list(spec.submodule_search_locations)[0] + '/backend/espeak/'
    # Their own imports first, without any lock held, so that while we hold the global
    # import lock below every import they make is already in sys.modules: holding it
    # while waiting for another thread's module lock could deadlock.
    for dep in _WRAPPER_DEPS + (('dlinfo',) if sys.platform != 'win32' else ()):
        importlib.import_module(dep)
    import _imp
    _imp.acquire_lock()  # nobody may import phonemizer while its names are borrowed
    mods = {}
    try:
        for name in _WRAPPER_MODULES:
            # wrapper.py imports api and voice by their absolute names: register them
            # for the duration of the load, then take them out again so that a later
            # real `import phonemizer` builds its own, complete package.
            sspec = importlib.util.spec_from_file_location(full + name, base + name + '.py')
            mod = importlib.util.module_from_spec(sspec)
            sys.modules[full + name] = mod
            mods[name] = mod
            sspec.loader.exec_module(mod)
    finally:
        for name, mod in mods.items():
            if sys.modules.get(full + name) is mod:
                del sys.modules[full + name]
        _imp.release_lock()
    return mods['wrapper'].EspeakWrapper


class EspeakFallback:
    """Batching, caching wrapper around espeak-ng (en-us) through phonemizer's binding."""

    def __init__(self, cache_size: int = 4096):
        self._wrapper = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Optional[str]] = OrderedDict()
        self._size = cache_size
        self.available: Optional[bool] = None

    def preload(self) -> None:
        """Load espeak-ng in the background so the first unknown word does not wait."""
        def run() -> None:
            with self._lock:
                self._load()
        threading.Thread(target=run, name='g2p-espeak-preload', daemon=True).start()

    def _load(self) -> bool:
        if self.available is not None:
            return self.available
        try:
            import espeakng_loader
            try:
                wrapper_cls = _load_wrapper_class()
            except Exception:  # phonemizer's layout changed: take the heavy, ordinary import
                from phonemizer.backend.espeak.wrapper import EspeakWrapper as wrapper_cls
            wrapper_cls.set_library(espeakng_loader.get_library_path())
            wrapper_cls.set_data_path(espeakng_loader.get_data_path())
            wrapper = wrapper_cls()
            wrapper.set_voice('en-us')
            self._wrapper = wrapper
            self.available = True
        except Exception:  # missing library or data: degrade to spelling, never crash
            self.available = False
        return self.available

    def _phonemize(self, text: str) -> str:
        # What phonemizer's EspeakBackend(with_stress=True, tie='^') does for one line.
        text = _PUNCT.sub(' ', text).strip()
        if not text:
            return ''
        line = self._wrapper.text_to_phonemes(text, True)
        line = _FLAGS.sub('', line.strip().replace('\n', ' '))
        return ' '.join(line.replace('\u0361', '^').split())

    def raw(self, text: str) -> str:
        """espeak-ng's IPA for text (stress marks, '^' ties), '' if unavailable."""
        with self._lock:
            if not self._load():
                return ''
            try:
                return self._phonemize(text)
            except Exception:
                return ''

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
            for w in todo:
                try:
                    ps = self._phonemize(w)
                except Exception:
                    ps = ''
                ps = espeak_to_misaki(ps) if ps else ''
                val = ps if ps.strip() else None
                out[w] = val
                self._cache[w] = val
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return out
