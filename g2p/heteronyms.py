"""Choosing among a word's pronunciations from its neighbours, without a tagger.

Misaki asks spaCy for a part-of-speech tag; a handful of word-class cues on the
previous and next word recover the distinction for the common heteronyms.
Returns a tag understood by the lexicon ('VERB', 'NOUN', 'ADJ', 'VBD', 'DT'), or None.
"""
from __future__ import annotations

from typing import Optional, Sequence

SUBJECTS = frozenset('i you we they he she it who people'.split())
THIRD = frozenset('he she it'.split())
OBJECTS = frozenset('him them me us'.split())
MODALS = frozenset("to will would shall should can could may might must do does did don't doesn't "
                   "didn't won't wouldn't can't cannot couldn't shouldn't let's please not never "
                   "i'll you'll we'll they'll he'll she'll i'd you'd we'd they'd and or".split())
DETS = frozenset('the a an this these those my your his her its our their some any no each every '
                 'another one whose which what that'.split())
BE = frozenset("is are was were be been being am it's that's seems seem looks look feels feel "
               "became become so too very quite really more most pretty".split())
PERFECT = frozenset("have has had having i've you've we've they've he's she's it's was were been "
                    "is are be being got get".split())
PAST_CUES = frozenset('yesterday ago last earlier already once previously then'.split())
PREPS = frozenset('in on at of for with from by about into onto near under over after before '
                  'through during without within'.split())
OBJECT_START = DETS | OBJECTS | frozenset('it up down out off'.split())
_LIVE_VERB_NEXT = frozenset('in at on near with there here together alone longer off by for to and or '
                            'forever happily abroad nearby well without under inside outside out up '
                            'like as life'.split())
_BASS_MUSIC = frozenset('player players guitar guitars guitarist line lines drum drums clef note notes '
                        'section amp amplifier boost speaker speakers solo singer voice'.split())
_LEAD_METAL = frozenset('poisoning pipe pipes paint paints pencil pencils free based exposure levels '
                        'level content weight weights shot bullet bullets crystal acetate oxide '
                        'contamination'.split())
# Words that make a following verb a bare infinitive ("did the kid read", "let the child read").
_BARE_VERB_CUES = frozenset("did does do didn't doesn't don't let lets make makes made help helps will would "
                            "can could should must may might won't can't couldn't shouldn't wouldn't "
                            "watch watched saw see hear heard".split())
COMPLEMENTIZER_PREV = frozenset('said say says saying think thought thinks know knew knows believe '
                                'believes believed hope hoped hopes mean means meant sure fact idea '
                                'so such given now except note notice realize realized ensure '
                                'shows show showed suggest suggests found find learn learned '
                                'told tell feel felt seems seem clear true possible likely way'.split())


def _is_sentence_start(prev: Optional[str]) -> bool:
    return prev is None or prev in '.!?;:—…"“”()'


def guess(word: str, prev: Optional[str], nxt: Optional[str], sentence: Sequence[str],
          nxt2: Optional[str] = None, prev2: Optional[str] = None) -> Optional[str]:
    """Tag for `word` (lowercase) given lowercase neighbours (punctuation as itself, None at edges)."""
    if word == 'read':
        if prev in PERFECT or prev in THIRD:
            return 'VBD'
        if prev2 in DETS and prev and prev.isalpha() and not prev.endswith('s') and prev not in BE \
                and prev not in MODALS and prev not in SUBJECTS and not any(w in _BARE_VERB_CUES for w in sentence):
            return 'VBD'  # "the sign read": a singular subject takes "reads" in the present
        if prev in SUBJECTS and any(w in PAST_CUES for w in sentence):
            return 'VBD'
        return None
    if word == 'lead':
        if nxt in _LEAD_METAL or (_is_sentence_start(prev) and nxt in ('is', 'was')) \
                or prev in ('of', 'with', 'unleaded', 'heavy'):
            return 'METAL'
        return None
    if word == 'live' or word == 'lives':
        if prev in DETS and word == 'lives':
            return 'NOUN'
        if prev in SUBJECTS or prev in MODALS or prev in OBJECTS or nxt in _LIVE_VERB_NEXT or nxt is None \
                or (nxt in '.!?,;' and prev not in BE):
            return 'VERB'
        return None
    if word == 'bass':
        return 'ADJ' if nxt in _BASS_MUSIC else None
    if word == 'minute':
        if nxt and nxt.endswith('s') and nxt not in ('is', 'was', 'has', 'does', 'us', 'this') \
                and prev not in DETS and prev not in ('per', 'last', 'next', 'first') \
                and not (prev or '').isdigit():
            return 'ADJ'
        return None
    if word == 'wound':
        return 'VBD' if prev not in DETS and prev not in PREPS and nxt in OBJECT_START else None
    if word == 'that':
        if nxt and nxt[0].isalpha() and nxt not in SUBJECTS and nxt not in DETS and nxt not in OBJECTS \
                and (nxt2 is None or not nxt2[0].isalpha()):
            return 'DT'  # "find that information." -- no clause can follow: a determiner
        if nxt is None or not nxt[0].isalpha():
            return 'DT'  # "I know that." -- a pronoun
        if prev in COMPLEMENTIZER_PREV or (prev not in PREPS and nxt in SUBJECTS - {'it'}):
            return None
        return 'DT'
    if word == 'used':
        return 'VBD' if nxt == 'to' and prev not in BE else None
    if word == 'close' and nxt == 'to':
        return 'ADJ'
    if prev in MODALS or prev in SUBJECTS or prev in OBJECTS:
        return 'VERB'
    if prev in DETS:
        return 'NOUN'
    if prev in BE:
        return 'ADJ'
    if _is_sentence_start(prev) and nxt in OBJECT_START:
        return 'VERB'
    return None
