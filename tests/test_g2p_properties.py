"""Property tests: any Unicode input yields Kokoro-vocabulary phonemes or G2PError."""
from __future__ import annotations

import regex
from hypothesis import HealthCheck, given, settings, strategies as st

import g2p
from g2p import G2PError
from g2p.normalize import normalize
from g2p.phonemes import KOKORO_VOCAB

_G = None


def _g():
    global _G
    if _G is None:
        _G = g2p.default()
    return _G


_english_bits = st.sampled_from([
    'the', 'read', 'lead', 'live', 'Dr.', 'St.', 'e.g.', 'NASA', 'USB', "don't", "dogs'", 'well-known',
    '$5', '£3.50', '€12', '¥1,000', '75¢', '3-5', '2:30 pm', '14:05', '12/15/2024', 'Dec. 15', '1st',
    '22nd', '-7', '3.14', '1,234,567', '45%', '10 km', '5kg', '20°C', '60 mph', '555-0123',
    '(415) 555-2671', '+44 20 7946 0958', '1999', "'90s", 'example.com', 'a@b.co', '#tag', '@user',
    '**bold**', '`code`', '# Head', '- item', '&', '+', '=', '@', '#', '🎉', '😂', '☀️', '—', '…',
    '"', '“', '”', '(', ')', ';', ':', ',', '.', '!', '?', 'café', 'naïve', 'Zürich', 'x', 'ON',
    'HELLO', 'iPhone', 'C:\\Users\\me', '1/2', '24/7', 'v2.1.3', '1Z999AA', '\u200d', '\ufeff',
    # addresses, glued words, emoji markers, clock colons
    'http://localhost:8080/x', 'https://www.example.co.uk/a_b-c.json', 'jane.doe@city-lib.gov',
    'notes.txt', '~/a/b.tar.gz', '127.0.0.1:80', '#SpringCleaning', '2:30', '00:30', '2:00:35',
    '❤️', '🌧️', '👍🏽', '👨\u200d👩\u200d👧', '🇺🇸', '😂😂', '→', '~', '°F', '75°F', '68°', '©',
    '1-800-555-0199', '90210', 'ZIP code', 'Prof.', 'Tues.', 'approx.', 'June 10', 'ready-to-eat',
    're-check', '\ue001', '\ue002', 'example.com🎉',
])
_mixed = st.lists(st.one_of(_english_bits, st.text(max_size=8)), max_size=12).map(' '.join)


def _check(text: str) -> None:
    try:
        out = _g()(text)
    except G2PError:
        return
    assert isinstance(out, str)
    bad = set(out) - KOKORO_VOCAB
    assert not bad, (text, out, bad)
    assert out == out.strip() and '  ' not in out


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_any_unicode_is_safe(text):
    _check(text)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mixed)
def test_english_like_text_is_safe(text):
    _check(text)


@settings(max_examples=1000, deadline=None)
@given(st.integers(min_value=-10**15, max_value=10**15))
def test_every_integer_becomes_words(n):
    out = normalize(f'I have {n} apples.')
    assert not regex.search(r'\d', out), out


@settings(max_examples=1000, deadline=None)
@given(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(['$', '£', '€', '', '']), st.sampled_from(['', '%', ' km', '°C']))
def test_quantities_become_words(d, cur, unit):
    out = normalize(f'It costs {cur}{d}{unit} today.')
    assert not regex.search(r'\d', out), out


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_normalize_leaves_no_digits_or_markup(text):
    out = normalize(text)
    assert not regex.search(r'[0-9*`#@&%$]', out), (text, out)
