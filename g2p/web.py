"""URLs, e-mail addresses, file names, paths, @handles and #hashtags as they are dictated.

The words and letters are Misaki's (it reads "example.com" as one word with a
secondary-stressed "dot", spells unknown extensions, says "hash" for '#'); where it is
plainly wrong as speech we differ: the scheme ("https://") is not spelled out, and the
dots of an address are always said (Misaki swallows most of them). The parts of one
address are glued into a single word (GLUE) as Misaki does.
"""
from __future__ import annotations

import regex

from .numbers import cardinal

GLUE = '\ue001'
_DOT = GLUE + '\ue000dot' + GLUE
_COLON = GLUE + '\ue000colon' + GLUE

_TLDS = ('com|org|net|gov|edu|io|ai|co|uk|de|fr|dev|app|me|info|ly|us|ca|tv|xyz|biz|eu|'
         'au|in|jp|nl|ch|se|no|es|it|ru|cn|tech|site|online|store|blog|cloud|gg|so|sh')
_URL = regex.compile(
    r'(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>"“”]+'
    r'|\b(?:[a-z0-9][a-z0-9-]*\.)+(?:' + _TLDS + r')\b(?::\d+)?(?:/[^\s<>"“”]*)?',
    regex.I)
_LOCALHOST = regex.compile(r'(?<!\ue001)\blocalhost(?::\d+)?(?:/[^\s<>"“”]*)?(?![\w\ue001])', regex.I)
_EMAIL = regex.compile(r'\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b')
_FILE = regex.compile(
    r'\b([\w-]+(?:\.[\w-]+)*)\.(txt|json|py|md|csv|pdf|png|jpe?g|gif|html?|js|ts|css|yaml|yml|toml|'
    r'xml|zip|exe|sh|docx?|xlsx?|pptx?|mp3|mp4|wav|log|ini|cfg|conf|rs|go|java|cpp|c|h|rb|sql|'
    r'tar|gz|tgz|bz2|xz|rar|svg|webp|mov|mkv|flac|ogg|apk|dmg|iso|php|swift|kt|jsx|tsx|scss|'
    r'ipynb|env|lock)\b', regex.I)
_WINPATH = regex.compile(r'\b([A-Za-z]):\\([^\s"“”]*)')
_UNIXPATH = regex.compile(r'(?<![\w/])(~?(?:/[\w.-]+){2,}/?)')
_HANDLE = regex.compile(r'(?<![\w@])@([A-Za-z_]\w*)')
_HASHTAG = regex.compile(r'(?<![\w#&])#([A-Za-z]\w*)')
_CAMEL = regex.compile(r'(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])')
_TRAIL = '.,;:!?)\'"'
# Extensions said as words; every other extension is spelled (as espeak, so Misaki, does).
_EXT_WORDS = {'jpg': 'JPEG', 'jpeg': 'JPEG', 'yml': 'YAML', 'yaml': 'YAML', 'json': 'JSON',
              'toml': 'TOML', 'gif': 'GIF', 'zip': 'zip', 'log': 'log', 'doc': 'doc',
              'docx': 'doc' + GLUE + 'X', 'go': 'go', 'java': 'java'}


def split_camel(word: str) -> str:
    return _CAMEL.sub(' ', word)


_SEP_WORDS = {'.': '\ue000dot', '_': 'underscore', '-': 'dash', '+': 'plus', '~': 'tilde',
              '=': 'equals', '&': 'and', '?': 'question mark'}


def _words(part: str) -> str:
    # Separators inside a name are dictated; the whole name is one glued word.
    out = []
    for piece in regex.split(r'([._\-+~=&?])', part):
        if piece in _SEP_WORDS:
            out.append(_SEP_WORDS[piece])
        elif piece:
            out.append(piece)
    return GLUE.join(out)


def _domain(host: str) -> str:
    parts = []
    for p in host.split('.'):
        if p.lower() == 'www':
            parts.append('WWW')
        elif p:
            parts.append(GLUE.join(w for w in (GLUE + 'dash' + GLUE).join(p.split('-')).split(GLUE) if w))
    return _DOT.join(parts)


def _split_trailing(s: str) -> tuple[str, str]:
    core = s.rstrip(_TRAIL)
    # keep a closing paren that belongs to the URL
    if s[len(core):].startswith(')') and core.count('(') > core.count(')'):
        core += ')'
    return core, s[len(core):]


def _url(m: regex.Match) -> str:
    url, tail = _split_trailing(m.group(0))
    body = regex.sub(r'^(?:https?|ftp)://', '', url, flags=regex.I)
    body = regex.split(r'[?#]', body, maxsplit=1)[0]
    host, _, path = body.partition('/')
    port = ''
    if ':' in host:
        host, port = host.split(':', 1)
    if regex.fullmatch(r'[\d.]+', host):
        spoken = host  # an IP address: the number reader says it with "dot"
        colon = ': '
    else:
        spoken = _domain(host)
        colon = _COLON  # Misaki keeps the colon glued
    if port.isdigit():
        spoken += colon + ' '.join(cardinal(int(port)))
    for seg in path.split('/'):
        if seg:
            spoken += ' slash ' + _segment(seg)
    return f' {spoken} {tail}'


def _email(m: regex.Match) -> str:
    user, _, host = m.group(0).partition('@')
    return f' {_words(user)} at {_domain(host)} '


def _file(m: regex.Match) -> str:
    ext = m.group(2)
    spoken_ext = _EXT_WORDS.get(ext.lower(), ext.upper() if len(ext) <= 4 else ext)
    return f'{_words(m.group(1))}{_DOT}{spoken_ext}'


def _segment(seg: str) -> str:
    """One path segment: a file name with its extension, or a name said part by part."""
    m = _FILE.fullmatch(seg)
    return _file(m) if m else _words(seg)


def _winpath(m: regex.Match) -> str:
    rest, tail = _split_trailing(m.group(2))
    parts = [_segment(p) for p in rest.split('\\') if p]
    # Misaki: "C: backslash Users backslash ..." (the colon a pause, espeak's "backslash").
    return f' {m.group(1).upper()}{_COLON}\ue000backslash ' + ' \ue000backslash '.join(parts) + f' {tail}'


def _unixpath(m: regex.Match) -> str:
    path = m.group(1)
    parts = [_segment(p) if p not in ('', '~') else p for p in path.split('/')]
    spoken = ' slash '.join(parts).strip()
    if path.startswith('~'):
        spoken = spoken.replace('~', 'home', 1)
    return f' {spoken} '


def expand_web(text: str) -> str:
    if '@' in text:
        text = _EMAIL.sub(_email, text)
    if '.' in text or '://' in text or 'localhost' in text.lower():
        text = _URL.sub(_url, text)
        text = _LOCALHOST.sub(_url, text)
    if '\\' in text:
        text = _WINPATH.sub(_winpath, text)
    if '/' in text:
        text = _UNIXPATH.sub(_unixpath, text)
    if '.' in text:
        text = _FILE.sub(_file, text)
    if '@' in text:
        text = _HANDLE.sub(lambda m: f' at {split_camel(m.group(1))} ', text)
    if '#' in text:
        text = _HASHTAG.sub(lambda m: f' hash {split_camel(m.group(1))} ', text)  # as Misaki
    return text
