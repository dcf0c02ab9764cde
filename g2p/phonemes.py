"""Kokoro's phoneme alphabet and the symbol classes the other modules reason with."""
from __future__ import annotations

# Keys of Kokoro's vocab.json (the space is a key too). Anything outside this set
# would be silently dropped or crash the model, so every output is filtered by it.
KOKORO_VOCAB = frozenset(
    ' !"(),.:;?AIOQSTWYabcdefhijklmnopqrstuvwxyzæçðøŋœɐɑɒɔɕɖəɚɛɜɟɡɣɤɥɨɪɯɰɲɳɴɸɹɻɽɾʁʂʃʈʊʋ'
    'ʌʎʒʔʝʣʤʥʦʧʨʰʲˈˌː\u0303βθχᵊᵝᵻ—“”…→↓↗↘ꭧ'
)

PRIMARY = 'ˈ'
SECONDARY = 'ˌ'
STRESSES = PRIMARY + SECONDARY
VOWELS = frozenset('AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ')
CONSONANTS = frozenset('bdfhjklmnpstvwzðŋɡɹɾʃʒʤʧθ')
DIPHTHONGS = frozenset('AIOQWYʤʧ')
# Vowels after which an American /t/ flaps (US "tau" context).
US_TAUS = frozenset('AIOWYiuæɑəɛɪɹʊʌ')

# Punctuation Kokoro was trained to use for prosody.
PUNCT = frozenset(';:,.!?—…"()“”')
NON_QUOTE_PUNCT = frozenset(';:,.!?—…')


def clean(ps: str) -> str:
    """Drop anything Kokoro cannot embed and collapse runs of spaces."""
    out = ''.join(c for c in ps if c in KOKORO_VOCAB)
    return ' '.join(out.split())
