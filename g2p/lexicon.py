"""Dictionary lookup: gold then silver, with Misaki's case, possessive and suffix rules."""
from __future__ import annotations

import os
import re
from typing import Optional, Union

from . import morphology
from .lexicon_files import Entry, load_lexicon
from .phonemes import PRIMARY, VOWELS
from .stress import apply_stress, spelled

_ASCII_LETTERS = frozenset("'-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DOUBLED_ING = re.compile(r'([bcdgklmnprstvxz])\1ing$|cking$')

# Coarse tag -> the family key Misaki's lexicon uses for variant pronunciations.
_PARENT = {'VBD': 'VERB', 'VBN': 'VERB', 'VBP': 'VERB', 'VBZ': 'VERB', 'VBG': 'VERB', 'VB': 'VERB',
           'NN': 'NOUN', 'NNS': 'NOUN', 'NNP': 'NOUN', 'JJ': 'ADJ', 'RB': 'ADV'}


def parent_tag(tag: Optional[str]) -> Optional[str]:
    return _PARENT.get(tag, tag) if tag else tag


class Lexicon:
    """Misaki's us_gold + us_silver with its morphology, minus the spaCy tags."""

    def __init__(self, gold_path: Union[str, os.PathLike], silver_path: Union[str, os.PathLike]):
        self.golds: dict[str, Entry] = load_lexicon(gold_path)
        self.silvers: dict[str, Entry] = load_lexicon(silver_path)

    # -- raw entries -------------------------------------------------------
    def variants(self, word: str) -> Optional[dict]:
        v = self.golds.get(word)
        return v if isinstance(v, dict) else None

    def _pick(self, entry: Entry, tag: Optional[str], next_vowel: Optional[bool], at_end: bool) -> Optional[str]:
        if isinstance(entry, str):
            return entry
        if at_end and 'None' in entry:
            return entry['None']
        if tag in entry:
            return entry[tag]
        p = parent_tag(tag)
        if p in entry:
            return entry[p]
        return entry.get('DEFAULT')

    def letters(self, word: str) -> Optional[str]:
        """Spell a word letter by letter ("USB" -> jˌuˌɛsbˈi)."""
        ps = []
        for c in word:
            if not c.isalpha():
                continue
            p = self.golds.get(c.upper())
            if not isinstance(p, str):
                return None
            ps.append(p)
        return spelled(ps) if ps else None

    def is_known(self, word: str) -> bool:
        if word in self.golds or word in self.silvers:
            return True
        if not word.isalpha() or not all(c in _ASCII_LETTERS for c in word):
            return False
        if len(word) == 1:
            return True
        if word.isupper() and word.lower() in self.golds:
            return True
        return word[1:].isupper()  # acronym-like: spelled by lookup()

    def lookup(self, word: str, tag: Optional[str] = None, stress: Optional[float] = None,
               at_end: bool = False, spell_caps: bool = False) -> Optional[str]:
        nnp = False
        if word.isupper() and word not in self.golds:
            word = word.lower()
            nnp = spell_caps
        entry = self.golds.get(word)
        if entry is None and not nnp:
            entry = self.silvers.get(word)
        ps = self._pick(entry, tag, None, at_end) if entry is not None else None
        if ps is None or (nnp and PRIMARY not in ps):
            return self.letters(word) if word.isalpha() and word.isascii() else None
        return apply_stress(ps, stress)

    # -- suffixes -----------------------------------------------------------
    def stem_s(self, word: str, tag, stress, at_end) -> Optional[str]:
        if len(word) < 3 or not word.endswith('s'):
            return None
        if not word.endswith('ss') and self.is_known(word[:-1]):
            stem = word[:-1]
        elif (word.endswith("'s") or (len(word) > 4 and word.endswith('es') and not word.endswith('ies'))) \
                and self.is_known(word[:-2]):
            stem = word[:-2]
        elif len(word) > 4 and word.endswith('ies') and self.is_known(word[:-3] + 'y'):
            stem = word[:-3] + 'y'
        else:
            return None
        return morphology.add_s(self.lookup(stem, tag, stress, at_end))

    def stem_ed(self, word: str, tag, stress, at_end) -> Optional[str]:
        if len(word) < 4 or not word.endswith('d'):
            return None
        if not word.endswith('dd') and self.is_known(word[:-1]):
            stem = word[:-1]
        elif len(word) > 4 and word.endswith('ed') and not word.endswith('eed') and self.is_known(word[:-2]):
            stem = word[:-2]
        else:
            return None
        return morphology.add_ed(self.lookup(stem, tag, stress, at_end))

    def stem_ing(self, word: str, tag, stress, at_end) -> Optional[str]:
        if len(word) < 5 or not word.endswith('ing'):
            return None
        if len(word) > 5 and self.is_known(word[:-3]):
            stem = word[:-3]
        elif self.is_known(word[:-3] + 'e'):
            stem = word[:-3] + 'e'
        elif len(word) > 5 and _DOUBLED_ING.search(word) and self.is_known(word[:-4]):
            stem = word[:-4]
        else:
            return None
        return morphology.add_ing(self.lookup(stem, tag, stress, at_end))

    # -- whole words --------------------------------------------------------
    def word(self, word: str, tag: Optional[str] = None, at_end: bool = False,
             spell_caps: bool = False) -> Optional[str]:
        """Phonemes for one word as written (case matters), or None if unknown."""
        stress = None if word == word.lower() else (2 if word == word.upper() else 0.5)
        wl = word.lower()
        if (len(word) > 1 and word != wl and word.replace("'", '').isalpha()
                and word not in self.golds and word not in self.silvers
                and (word == word.upper() or word[1:] == word[1:].lower())
                and (not spell_caps or word != word.upper())
                and (wl in self.golds or wl in self.silvers
                     or self.stem_s(wl, tag, stress, at_end) or self.stem_ed(wl, tag, stress, at_end)
                     or self.stem_ing(wl, tag, stress, at_end))):
            word = wl
        if self.is_known(word):
            return self.lookup(word, tag, stress, at_end, spell_caps)
        if word.endswith("s'") and self.is_known(word[:-2] + "'s"):
            return self.lookup(word[:-2] + "'s", tag, stress, at_end)
        if word.endswith("'") and self.is_known(word[:-1]):
            return self.lookup(word[:-1], tag, stress, at_end)
        for fn, st in ((self.stem_s, stress), (self.stem_ed, stress),
                       (self.stem_ing, 0.5 if stress is None else stress)):
            ps = fn(word, tag, st, at_end)
            if ps is not None:
                return ps
        return None


def has_vowel(ps: str) -> bool:
    return any(c in VOWELS for c in ps)
