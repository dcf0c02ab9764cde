"""Strip the Markdown an LLM emits so that only the words are spoken."""
from __future__ import annotations

import regex

_FENCE = regex.compile(r'^\s*(```|~~~)[^\n]*$', regex.M)
_IMAGE = regex.compile(r'!\[([^\]]*)\]\([^)]*\)')
_LINK = regex.compile(r'\[([^\]]+)\]\((?:[^)\s]+)(?:\s+"[^"]*")?\)')
_HEADING = regex.compile(r'^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$', regex.M)
_BULLET = regex.compile(r'^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?=\S)', regex.M)
_QUOTE = regex.compile(r'^\s*>+\s?', regex.M)
_RULE = regex.compile(r'^\s*(?:[-*_]\s*){3,}$', regex.M)
_TABLE_SEP = regex.compile(r'^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$', regex.M)
_EMPH = regex.compile(r'(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1')
_UNDERSCORE_EM = regex.compile(r'(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])')
_STRIKE = regex.compile(r'~~(?=\S)(.+?)(?<=\S)~~')
_CODE = regex.compile(r'`+([^`\n]*)`+')
_ENDS_CLAUSE = frozenset('.!?:;,…')


def _close_line(line: str) -> str:
    # A heading or list item is a separate phrase when spoken: give it an ending.
    s = line.rstrip()
    if s and s[-1] not in _ENDS_CLAUSE and s[-1] not in '"”)':
        return s + '.'
    return s


def strip_markdown(text: str) -> str:
    if not any(c in text for c in '*_`#[>|~-+') and '\n' not in text:
        return text
    text = _FENCE.sub('', text)
    text = _IMAGE.sub(r'\1', text)
    text = _LINK.sub(r'\1', text)
    text = _RULE.sub('', text)
    text = _TABLE_SEP.sub('', text)
    lines = []
    for line in text.split('\n'):
        m = _HEADING.match(line)
        if m:
            line = _close_line(m.group(1))
        elif _BULLET.match(line):
            line = _close_line(_BULLET.sub('', line, count=1))
        line = _QUOTE.sub('', line)
        if '|' in line and line.strip().startswith('|'):
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            line = _close_line(', '.join(c for c in cells if c))
        lines.append(line)
    text = '\n'.join(lines)
    for _ in range(2):  # nested **_x_**
        text = _EMPH.sub(r'\2', text)
    text = _UNDERSCORE_EM.sub(r'\1', text)
    text = _STRIKE.sub(r'\1', text)
    text = _CODE.sub(r'\1', text)
    return text
