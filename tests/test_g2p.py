"""Content tests for g2p: exact phonemes for known words, numbers and text forms."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import g2p
from g2p import G2PError
from g2p.numbers import cardinal, ordinal, year

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / 'shared' / 'g2p-bench' / 'misaki_dev.jsonl'


@pytest.fixture(scope='module')
def g():
    return g2p.default()


def test_numbers_module():
    assert ' '.join(cardinal(123)) == 'one hundred twenty three'
    assert ' '.join(cardinal(7_500_000)) == 'seven million five hundred thousand'
    assert ' '.join(ordinal(22)) == 'twenty second'
    assert ' '.join(ordinal(101)) == 'one hundred first'
    assert ' '.join(year(1999)) == 'nineteen ninety nine'
    assert ' '.join(year(2004)) == 'two thousand four'
    assert ' '.join(year(1204)) == 'twelve oh four'


@pytest.mark.parametrize('text, expected', [
    ('The recipe makes 123 cookies if you keep them small.',
     'ðə ɹˈɛsəpˌi mˌAks wˈʌn hˈʌndɹəd twˈɛnti θɹˈi kˈʊkiz ɪf ju kˈip ðˌɛm smˈɔl.'),
    ('Your balance is $123.45, including tax.',
     'jˌʊɹ bˈæləns ɪz wˈʌn hˈʌndɹəd twˈɛnti θɹˈi dˈɑləɹz ænd fˈɔɹTi fˈIv sˈɛnts, ɪnklˈudɪŋ tˈæks.'),
    ('I like to read before bed, and yesterday I read for an hour.',
     'ˌI lˈIk tə ɹˈid bəfˈɔɹ bˈɛd, ænd jˈɛstəɹdˌA ˌI ɹˈɛd fɔɹ ɐn ˈWəɹ.'),
    ('Plug the USB cable into the left port.', 'plˈʌɡ ðə jˌuˌɛsbˈi kˈAbᵊl ˈɪntu ðə lˈɛft pˈɔɹt.'),
    ('NASA launched a new weather satellite last month.',
     'nˈæsə lˈɔnʧt ɐ nˈu wˈɛðəɹ sˈæTᵊlˌIt lˈæst mˈʌnθ.'),
    ("It's the dog's favorite toy, not the cat's.", 'ˌɪts ðə dˈɔɡz fˈAvəɹət tˈY, nˌɑt ðə kˈæts.'),
    ('Sales rose 12.5% compared with last quarter.',
     'sˈAlz ɹˈOz twˈɛlv pYnt fˈIv pəɹsˈɛnt kəmpˈɛɹd wɪð lˈæst kwˈɔɹTəɹ.'),
    ('The store opens at 9 am and closes at 9 pm.',
     'ðə stˈɔɹ ˈOpᵊnz æt nˈIn ˌAˈɛm ænd klˈOzᵻz æt nˈIn pˌiˈɛm.'),
    ('Wind the clock before the wind picks up.', 'wˈInd ðə klˈɑk bəfˈɔɹ ðə wˈɪnd pˈɪks ˌʌp.'),
    ('It\'s a well-known fact that honey never spoils.', 'ˌɪts ɐ wˌɛlnˈOn fˈækt ðæt hˈʌni nˈɛvəɹ spˈYlz.'),
    ('The company was founded in 1999.', 'ðə kˈʌmpᵊni wʌz fˈWndᵻd ɪn nˌIntˈin nˈIndi nˈIn.'),
])
def test_known_sentences(g, text, expected):
    assert g(text) == expected


@pytest.mark.parametrize('text, words', [
    ('Call 555-0123.', ['fˈIv fˈIv fˈIv', 'zˈɪɹO wˈʌn tˈu θɹˈi']),
    ('Lead is a heavy metal.', ['lˈɛd']),          # Misaki says "leed"
    ('Make sure the switch says ON.', ['ˈɔn']),    # Misaki spells it
    ('See Dr. Patel on Main St.', ['dˈɑktəɹ', 'stɹˈit']),
    ('It is 14:05 now.', ['fˌɔɹtˈin ˈO fˈIv']),
    ('Email jane.doe@example.org now.', ['dˈɑt dˈO æt']),
    ('Mix **flour** and `water`.', ['flˈWəɹ ænd wˈɔTəɹ']),
])
def test_contains(g, text, words):
    out = g(text)
    for w in words:
        assert w in out, (out, w)


def test_quotes_become_curly(g):
    assert g('The word "set" has many meanings.').count('“') == 1
    assert '”' in g('She said "hi".')


def test_empty_and_unspeakable(g):
    assert g('') == ''
    assert g('   ') == ''
    with pytest.raises(G2PError):
        g('😂😂')
    with pytest.raises(G2PError):
        g(None)  # type: ignore[arg-type]


def test_g2perror_is_valueerror():
    assert issubclass(G2PError, ValueError)


def test_module_level_phonemize():
    assert g2p.phonemize('hello') == 'həlˈO'


@pytest.mark.skipif(not DEV.exists(), reason='shared dev set not present')
def test_dev_set_close_to_misaki(g):
    # Loose bound: the benchmark script measures the real number; this catches regressions.
    import unicodedata
    rows = [json.loads(l) for l in DEV.read_text(encoding='utf-8').splitlines() if l.strip()]
    edits = total = 0
    for r in rows:
        ref = unicodedata.normalize('NFC', r['phonemes']).strip()
        hyp = g(r['text'])
        edits += _lev(ref, hyp)
        total += len(ref)
    assert edits / total < 0.06


def _lev(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
