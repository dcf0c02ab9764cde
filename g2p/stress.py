"""Stress marks the way Misaki places them (primary ˈ, secondary ˌ)."""
from __future__ import annotations

from typing import Optional, Sequence

from .phonemes import DIPHTHONGS, PRIMARY, SECONDARY, STRESSES, VOWELS


def _move_marks_before_vowels(ps: str) -> str:
    # Misaki writes stress immediately before the stressed vowel, not at the
    # syllable onset; a mark prepended to a word has to slide right to its vowel.
    out: list[str] = []
    pending = ''
    for c in ps:
        if c in STRESSES:
            pending = c
            continue
        if pending and c in VOWELS:
            out.append(pending)
            pending = ''
        out.append(c)
    if pending:
        out.append(pending)
    return ''.join(out)


def apply_stress(ps: Optional[str], stress: Optional[float]) -> Optional[str]:
    """Adjust a word's stress: <-1 strip, -1/-0.5 demote, 0..1 add secondary, >1 add primary."""
    if ps is None or stress is None:
        return ps
    has_p = PRIMARY in ps
    has_s = SECONDARY in ps
    if stress < -1:
        return ps.replace(PRIMARY, '').replace(SECONDARY, '')
    if stress == -1 or (stress in (0, -0.5) and has_p):
        return ps.replace(SECONDARY, '').replace(PRIMARY, SECONDARY)
    if stress in (0, 0.5, 1) and not has_p and not has_s:
        if not any(c in VOWELS for c in ps):
            return ps
        return _move_marks_before_vowels(SECONDARY + ps)
    if stress >= 1 and not has_p and has_s:
        return ps.replace(SECONDARY, PRIMARY)
    if stress > 1 and not has_p and not has_s:
        if not any(c in VOWELS for c in ps):
            return ps
        return _move_marks_before_vowels(PRIMARY + ps)
    return ps


def weight(ps: str) -> int:
    return sum(2 if c in DIPHTHONGS else 1 for c in ps) if ps else 0


def spelled(letter_phonemes: Sequence[str]) -> str:
    """Letters read one by one: all secondary except the last stressed one."""
    ps = apply_stress(''.join(letter_phonemes), 0) or ''
    head, sep, tail = ps.rpartition(SECONDARY)
    return head + PRIMARY + tail if sep else ps


def balance_compound(parts: list[str], first_is_single_letter: bool = False) -> list[str]:
    """Demote the weaker half of the primary stresses in a hyphenated/joined compound."""
    idx = [(PRIMARY in p, weight(p), i) for i, p in enumerate(parts) if p]
    if len(idx) == 2 and first_is_single_letter:
        i = idx[1][2]
        parts[i] = apply_stress(parts[i], -0.5) or ''
        return parts
    if len(idx) < 2 or sum(b for b, _, _ in idx) <= (len(idx) + 1) // 2:
        return parts
    for _, _, i in sorted(idx)[: len(idx) // 2]:
        parts[i] = apply_stress(parts[i], -0.5) or ''
    return parts
