"""Phoneme suffixes for -s, -ed and -ing built on a known stem (American English)."""
from __future__ import annotations

from typing import Optional

from .phonemes import US_TAUS


def add_s(stem: Optional[str]) -> Optional[str]:
    if not stem:
        return None
    if stem[-1] in 'ptkfθ':
        return stem + 's'
    if stem[-1] in 'szʃʒʧʤ':
        return stem + 'ᵻz'
    return stem + 'z'


def add_ed(stem: Optional[str]) -> Optional[str]:
    if not stem:
        return None
    if stem[-1] in 'pkfθʃsʧ':
        return stem + 't'
    if stem[-1] == 'd':
        return stem + 'ᵻd'
    if stem[-1] != 't':
        return stem + 'd'
    if len(stem) >= 2 and stem[-2] in US_TAUS:
        return stem[:-1] + 'ɾᵻd'  # American flap: "waited"
    return stem + 'ᵻd'


def add_ing(stem: Optional[str]) -> Optional[str]:
    if not stem:
        return None
    if len(stem) > 1 and stem[-1] == 't' and stem[-2] in US_TAUS:
        return stem[:-1] + 'ɾɪŋ'
    return stem + 'ɪŋ'
