"""The G2P object: normalise, tokenise, look up, fall back to espeak, assemble."""
from __future__ import annotations

import os
from typing import Optional, Union

import regex

from . import heteronyms
from .errors import G2PError
from .espeak import EspeakFallback
from .lexicon import Lexicon
from .normalize import normalize
from .symbols import decode_emoji
from .phonemes import CONSONANTS, NON_QUOTE_PUNCT, VOWELS, clean
from .stress import apply_stress, balance_compound
from .tokenize import Token, tokenize

# Internal words the normaliser emits (prefixed with a private-use character), said
# the way Misaki says the symbol or abbreviation they stand for (its espeak readings).
_INTERNAL = {'\ue000point': 'pYnt', '\ue000degrees': 'dᵻɡɹˈiz', '\ue000degree': 'dᵻɡɹˈi',
             '\ue000saint': 'sənt', '\ue000dot': 'dˌɑt', '\ue000backslash': 'bˈækslæʃ',
             '\ue000colon': ':'}
GLUE = '\ue001'  # joins the parts of an address into one spoken word ("example dot com")
# All-caps abbreviations that are said as words, not spelled.
WORD_ACRONYMS = {
    'JSON': 'ʤˈAsᵊn', 'YAML': 'jˈæmᵊl', 'TOML': 'tˈɑmᵊl', 'GIF': 'ɡˈɪf', 'JPEG': 'ʤˈApˌɛɡ',
    'NASDAQ': 'nˈæzdˌæk', 'SCUBA': 'skˈubə', 'LASER': 'lˈAzəɹ', 'RADAR': 'ɹˈAdɑɹ',
    'COVID': 'kˈOvɪd', 'WIFI': 'wˈIfˌI', 'AJAX': 'ˈAʤˌæks', 'UNESCO': 'junˈɛskO',
    'UNICEF': 'jˈunəsˌɛf', 'FEMA': 'fˈimə', 'OPEC': 'ˈOpˌɛk', 'IKEA': 'Ikˈiə', 'PIN': 'pˈɪn',
    'RAM': 'ɹˈæm', 'ROM': 'ɹˈɑm', 'CAPTCHA': 'kˈæpʧə', 'SIM': 'sˈɪm', 'LAN': 'lˈæn',
    'GUI': 'ɡˈui', 'SWAT': 'swˈɑt', 'AIDS': 'ˈAdz', 'NAFTA': 'nˈæftə', 'ZIP': 'zˈɪp',
    'LED': 'ˈɛlˌiˈdi', 'GIFs': 'ɡˈɪfs', 'PINs': 'pˈɪnz', 'DOS': 'dˈɑs', 'MIDI': 'mˈɪdi',
    'NAND': 'nˈænd', 'CAD': 'kˈæd', 'SaaS': 'sˈæs', 'ASCII': 'ˈæski', 'GIGO': 'ɡˈIɡO',
}
_QUOTES = frozenset('"“”')
_CAMEL_SPLIT = regex.compile(r'(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})')
_SPECIAL = frozenset({'the', 'a', 'an', 'to', 'in', 'am', 'i'})
_A_AS_LETTER_PREV = frozenset('plan grade vitamin type class option letter section part size cup '
                              'exhibit appendix row column level team group'.split())


def _default_paths() -> tuple[str, str]:
    gold = os.environ.get('G2P_GOLD')
    silver = os.environ.get('G2P_SILVER')
    if gold and silver:
        return gold, silver
    from models.store import default_store  # the project's model store (lazy: heavy)
    store = default_store()
    return gold or str(store.path('misaki-us-gold')), silver or str(store.path('misaki-us-silver'))


def _first_sound(ps: Optional[str]) -> Optional[bool]:
    """True if ps starts with a vowel, False with a consonant, None with pause punctuation."""
    for c in ps or '':
        if c in NON_QUOTE_PUNCT:
            return None
        if c in VOWELS:
            return True
        if c in CONSONANTS:
            return False
    return None


def _weak_forms(pieces: list[str], pss: list[Optional[str]]) -> None:
    """Function words inside a hyphenated compound, unstressed as Misaki says them."""
    n = len(pieces)
    for k, piece in enumerate(pieces):
        low = piece.lower()
        nxt = pss[k + 1] if k + 1 < n else None
        if low == 'to' and 0 < k < n - 1:
            pss[k] = 'tʊ' if _first_sound(nxt) else 'tə'   # ready-to-eat, up-to-date
        elif low == 'a' and 0 < k < n - 1:
            pss[k] = 'ɐ'                                    # once-in-a-lifetime
        elif low == 'the' and 0 < k < n - 1:
            pss[k] = 'ði' if _first_sound(nxt) else 'ðə'
        elif low == 're' and k == 0 and n > 1:
            pss[k] = 'ɹˌi'                                  # re-check (not the note "ray")


class G2P:
    """English text -> Kokoro phonemes. Stateless apart from caches; safe to share."""

    def __init__(self, gold_path: Union[str, os.PathLike, None] = None,
                 silver_path: Union[str, os.PathLike, None] = None, espeak: bool = True,
                 preload_espeak: bool = True):
        if gold_path is None or silver_path is None:
            g, s = _default_paths()
            gold_path, silver_path = gold_path or g, silver_path or s
        self.lexicon = Lexicon(gold_path, silver_path)
        self.fallback = EspeakFallback() if espeak else None
        if self.fallback is not None and preload_espeak:
            self.fallback.preload()

    # -- per-word -----------------------------------------------------------
    def _caps(self, w: str, tag: Optional[str], at_end: bool, shouting: bool) -> Optional[str]:
        lex = self.lexicon
        if w in WORD_ACRONYMS:
            return WORD_ACRONYMS[w]
        entry = lex.golds.get(w)
        if isinstance(entry, str):
            return lex.word(w, tag, at_end)
        low = w.lower()
        if shouting and (low in lex.golds or low in lex.silvers or lex.word(low, tag, at_end)):
            return lex.word(w, tag, at_end)
        if isinstance(entry, dict) and entry.get('NOUN', '') is None:
            return lex.letters(w)  # IT, US, ID, OS: acronyms unless the whole text shouts
        known = low in lex.golds if len(w) <= 3 else (low in lex.golds or low in lex.silvers)
        if known or (len(w) > 3 and lex.word(low, tag, at_end)):
            return lex.word(w, tag, at_end)
        return lex.letters(w)

    def _simple(self, w: str, tag: Optional[str], at_end: bool, shouting: bool) -> Optional[str]:
        """Phonemes for a word without hyphens, or None if it needs espeak."""
        lex = self.lexicon
        if w in _INTERNAL:
            return _INTERNAL[w]
        if tag == 'METAL':
            return apply_stress('lˈɛd', None if w.islower() else 0.5)
        if len(w) > 1 and w.isupper() and w.replace("'", '').isalpha():
            return self._caps(w, tag, at_end, shouting)
        ps = lex.word(w, tag, at_end)
        if ps is not None:
            return ps
        if w[1:] != w[1:].lower() and w.isalpha():
            parts = [p for p in _CAMEL_SPLIT.split(w) if p]
            if len(parts) > 1:
                pss = [self._simple(p, None, at_end, shouting) for p in parts]
                if all(pss):
                    return ''.join(balance_compound(pss))
        return None

    def _compound(self, word: str, shouting: bool) -> tuple[list[str], list[Optional[str]]]:
        """Split a hyphenated word into the longest known spans, right to left (as Misaki)."""
        parts = [p for p in word.split('-') if p]
        spans: list[str] = []
        pss: list[Optional[str]] = []
        right = len(parts)
        while right > 0:
            for left in range(right):
                span = '-'.join(parts[left:right])
                ps = self._simple(span, None, False, shouting) if right - left > 1 else None
                if ps is not None or right - left == 1:
                    if ps is None:
                        ps = self._simple(span, None, False, shouting)
                    spans.insert(0, span)
                    pss.insert(0, ps)
                    right = left
                    break
        return spans, pss

    # -- sentence -----------------------------------------------------------
    def __call__(self, text: str) -> str:
        if not isinstance(text, str):
            raise G2PError(f'expected str, got {type(text).__name__}')
        if not text.strip():
            return ''
        tokens = tokenize(normalize(text))
        words = [t for t in tokens if t.kind != 'punct']
        if not words:
            if any(t.text not in _QUOTES and t.text not in '()' for t in tokens):
                return clean(''.join(t.text for t in tokens))
            raise G2PError(f'nothing speakable in {text[:40]!r}')
        caps = sum(1 for t in words if t.text.isupper() and len(t.text) > 1)
        shouting = caps >= 3 and caps * 3 >= len(words) * 2
        lowered = [t.text.lower() if t.kind != 'punct' else t.text for t in tokens]
        sentence = [w for w in lowered]
        unknown: dict[int, list[int]] = {}
        parts_of: dict[int, list[Optional[str]]] = {}
        pieces_of: dict[int, list[str]] = {}
        glued: set[int] = set()

        for i, t in enumerate(tokens):
            if t.kind == 'punct':
                t.phonemes = t.text
                continue
            if t.kind == 'emoji':
                pieces_of[i], parts_of[i] = [decode_emoji(t.text)], [None]
                glued.add(i)
                unknown[i] = [0]
                continue
            if GLUE in t.text:
                pieces_of[i] = [p for p in t.text.split(GLUE) if p]
                parts_of[i] = [self._simple(p, None, False, shouting) for p in pieces_of[i]]
                glued.add(i)
                for k, ps in enumerate(parts_of[i]):
                    if ps is None:
                        unknown.setdefault(i, []).append(k)
                continue
            nxt_tok = next((tokens[j] for j in range(i + 1, len(tokens)) if tokens[j].text not in _QUOTES), None)
            at_end = nxt_tok is None or nxt_tok.kind == 'punct'
            prev = lowered[i - 1] if i > 0 else None
            nxt = lowered[i + 1] if i + 1 < len(tokens) else None
            low = lowered[i]
            if t.kind == 'acronym':
                t.phonemes = self.lexicon.letters(t.text)
                continue
            if low in _SPECIAL:
                t.tag = 'SPECIAL'
                continue
            if self.lexicon.variants(low) is not None or low in ('lead', 'read'):
                nxt2 = lowered[i + 2] if i + 2 < len(tokens) else None
                prev2 = lowered[i - 2] if i > 1 else None
                t.tag = heteronyms.guess(low, prev, nxt, sentence, nxt2, prev2)
            elif low == "that's":
                t.tag = 'DT'  # the demonstrative pronoun, stressed as Misaki's tagger has it
            if '-' in t.text and t.text not in self.lexicon.golds and t.text.lower() not in self.lexicon.golds:
                pieces_of[i], pss = self._compound(t.text, shouting)
                parts_of[i] = pss
                for k, ps in enumerate(pss):
                    if ps is None:
                        unknown.setdefault(i, []).append(k)
                continue
            t.phonemes = self._simple(t.text, t.tag, at_end, shouting)
            if t.phonemes is None:
                unknown.setdefault(i, []).append(-1)

        if unknown:
            ask = [tokens[i].text if k < 0 else pieces_of[i][k] for i, ks in unknown.items() for k in ks]
            got = self.fallback.lookup_many(ask) if self.fallback else {}
            for i, ks in unknown.items():
                for k in ks:
                    w = tokens[i].text if k < 0 else pieces_of[i][k]
                    ps = got.get(w) or ('' if tokens[i].kind == 'emoji' else self._spell_any(w))
                    if k < 0:
                        tokens[i].phonemes = ps
                    else:
                        parts_of[i][k] = ps
        for i, pss in parts_of.items():
            pieces = pieces_of[i]
            if i in glued:
                tokens[i].phonemes = ''.join(p or '' for p in pss)
                continue
            _weak_forms(pieces, pss)
            tokens[i].phonemes = ''.join(balance_compound([p or '' for p in pss],
                                                          len(pss) == 2 and len(pieces[0]) == 1))

        # Right to left: function words depend on the sound that follows them.
        next_vowel: Optional[bool] = None
        for i in range(len(tokens) - 1, -1, -1):
            t = tokens[i]
            if t.tag == 'SPECIAL':
                t.phonemes = self._function_word(t.text, next_vowel, lowered[i - 1] if i else None,
                                                 shouting)
            if t.kind == 'punct' and t.text in _QUOTES:
                continue
            if t.phonemes:
                fs = _first_sound(t.phonemes)
                if fs is not None or t.kind == 'punct':
                    next_vowel = fs
        out = self._assemble(tokens)
        if not out:
            raise G2PError(f'nothing speakable in {text[:40]!r}')
        return out

    def _function_word(self, w: str, next_vowel: Optional[bool], prev: Optional[str], shouting: bool) -> str:
        low = w.lower()
        if low == 'the':
            return 'ði' if next_vowel else 'ðə'
        if low == 'a':
            if w == 'A' and (next_vowel is None or prev in _A_AS_LETTER_PREV) and not (prev is None and next_vowel is not None):
                return 'ˈA'
            return 'ɐ'
        if low == 'an':
            return 'ɐn'
        if low == 'to':
            return {None: 'tu', False: 'tə', True: 'tʊ'}[next_vowel]
        if low == 'in':
            return 'ˈɪn' if next_vowel is None else 'ɪn'
        if low == 'am':
            if w == 'AM' and not shouting:
                return self.lexicon.letters(w) or 'ˌAˈɛm'
            return 'ɐm' if next_vowel is not None and w == 'am' else 'æm'
        if w == 'I':
            return 'ˌI'
        return self.lexicon.word(w) or 'ˈI'

    def _spell_any(self, w: str) -> str:
        ps = self.lexicon.letters(''.join(c for c in w if c.isascii()))
        return ps or ''

    @staticmethod
    def _assemble(tokens: list[Token]) -> str:
        out: list[str] = []
        open_quote = False
        for t in tokens:
            ps = t.phonemes or ''
            if not ps:
                continue
            if t.kind == 'punct':
                c = t.text
                if c in _QUOTES:
                    opening = c == '“' or (c == '"' and not open_quote)
                    open_quote = opening
                    c = '“' if opening else '”'
                    if opening:
                        out.append((' ' if out else '') + c)
                        continue
                    out.append(c)
                    continue
                if c in '(—':
                    out.append((' ' if out else '') + c + (' ' if c == '—' else ''))
                    continue
                out.append(c)
                continue
            ps = ps.replace('ɾ', 'T').replace('ʔ', 't')
            if out and not out[-1].endswith((' ', '(', '“')):
                out.append(' ')
            out.append(ps)
        return clean(''.join(out))
