"""Abbreviations expanded to the words a reader says (Dr. -> Doctor, St. -> Saint/Street).

Where Misaki reads an abbreviation as a clipped word people really say ("prof",
"approx", "Inc" as "ink"), we say that too, only without the period's pause; we
expand where its reading is plainly wrong as speech: spelled letters ("Mt." as M T,
"Jr." as J R), a different word ("Sat." as sat, "Apt." as apt, "mi." as me) or a
non-word ("Tues." as tooz).
"""
from __future__ import annotations

import regex

# Titles come before a name; they never end a sentence, so their period is dropped.
_TITLES = {'Dr': 'Doctor', 'Mr': 'Mister', 'Mrs': 'Mrs', 'Ms': 'Miz', 'Prof': 'Prof',
           'Sgt': 'Sergeant', 'Capt': 'Captain', 'Lt': 'Lieutenant', 'Gen': 'General',
           'Col': 'Colonel', 'Gov': 'Governor', 'Sen': 'Senator', 'Rep': 'Rep',
           'Rev': 'Rev', 'Fr': 'Father', 'Mt': 'Mount', 'Ft': 'Fort', 'Hon': 'Honorable',
           'Pres': 'President', 'Supt': 'Superintendent', 'Messrs': 'Messieurs'}
# Words that may end a sentence: keep the period when the next word starts a sentence.
_WORDS = {'Jr': 'Junior', 'Sr': 'Senior', 'Ave': 'Avenue', 'Blvd': 'Boulevard', 'Rd': 'Road',
          'Ln': 'Lane', 'Hwy': 'Highway', 'Apt': 'Apartment', 'Dept': 'Department',
          'Inc': 'Inc', 'Ltd': 'Limited', 'Corp': 'Corp', 'Co': 'Co',
          'Bros': 'Bros', 'Univ': 'University', 'approx': 'approx',
          'Approx': 'Approx', 'dept': 'department', 'est': 'estimated', 'misc': 'misc',
          'Mon': 'Monday', 'Tue': 'Tuesday', 'Tues': 'Tuesday', 'Wed': 'Wednesday', 'Thu': 'Thursday',
          'Thur': 'Thursday', 'Thurs': 'Thursday', 'Fri': 'Friday', 'Sat': 'Saturday', 'Sun': 'Sunday',
          'Jan': 'January', 'Feb': 'February', 'Mar': 'March', 'Apr': 'April', 'Jun': 'June',
          'Jul': 'July', 'Aug': 'August', 'Sep': 'September', 'Sept': 'September',
          'Oct': 'October', 'Nov': 'November', 'Dec': 'December', 'vs': 'versus', 'Vs': 'versus',
          'etc': 'etc', 'fig': 'figure', 'Fig': 'Figure', 'vol': 'volume', 'Vol': 'Volume',
          'ch': 'chapter', 'Ch': 'Chapter', 'pp': 'pages', 'pg': 'page', 'no': 'number',
          'No': 'Number', 'tel': 'telephone', 'Tel': 'Telephone', 'ext': 'extension'}
# e.g. and i.e. are commonly read letter by letter (as Misaki does); keep that.
_LATIN = [(regex.compile(r'\b[eE]\.\s?[gG]\.(?=\W|$)'), 'E.G.'),
          (regex.compile(r'\b[iI]\.\s?[eE]\.(?=\W|$)'), 'I.E.'),
          (regex.compile(r'\bcf\.(?=\s)'), 'compare'),
          (regex.compile(r'\bw/o(?=\s)'), 'without'),
          (regex.compile(r'(?<!\S)w/(?=\s)'), 'with'),
          (regex.compile(r'\ba\.k\.a\.(?=\W|$)', regex.I), 'also known as'),
          (regex.compile(r'\bvs\.?(?=\s)'), 'versus')]
_TITLE_RE = regex.compile(r'\b(' + '|'.join(_TITLES) + r')\.(?=\s+\S)')
_ST_RE = regex.compile(r'\b(St|ST)\b\.?(?=\s|$|[,;:!?)])')
_WORD_RE = regex.compile(r'(?<![\w.])(' + '|'.join(sorted(_WORDS, key=len, reverse=True)) + r')\.(\s+|$)(?=(\S?))')
# Numbers use the word only with a digit after it ("No. 5" -> number five).
_NEEDS_DIGIT = frozenset({'no', 'No', 'pp', 'pg', 'ch', 'Ch', 'fig', 'Fig', 'vol', 'Vol', 'tel', 'Tel', 'ext'})


def _st(m: regex.Match) -> str:
    # "St. Louis" is a saint; "Main St." is a street.
    start = m.start()
    before = m.string[max(0, start - 30):start]
    prev_cap = regex.search(r'(?:\p{Lu}\p{Ll}*|\d+(?:st|nd|rd|th)?)\s+$', before) is not None
    next_cap = regex.match(r'\s+\p{Lu}', m.string[m.end():]) is not None
    if next_cap and not prev_cap:
        return '\ue000saint'  # Misaki's (espeak's) weak "sənt"
    if prev_cap or not next_cap:
        return 'Street' + ('.' if m.group(0).endswith('.') and _ends_sentence(m) else '')
    return '\ue000saint'


def _ends_sentence(m: regex.Match) -> bool:
    rest = m.string[m.end():]
    return not rest.strip() or regex.match(r'\s+[\p{Lu}"“(]', rest) is not None


def _word(m: regex.Match) -> str:
    abbr, space, nxt = m.group(1), m.group(2), m.group(3)
    if abbr in _NEEDS_DIGIT and not nxt.isdigit():
        return m.group(0)
    word = _WORDS[abbr]
    sentence_end = (not nxt) or nxt.isupper() or nxt in '"“('
    if abbr in ('Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec') \
            and nxt.isdigit():
        sentence_end = False
    return word + ('.' if sentence_end else '') + space


def expand_abbreviations(text: str) -> str:
    if '.' not in text and '/' not in text and 'vs' not in text:
        return text
    for rx, rep in _LATIN:
        text = rx.sub(rep, text)
    text = _TITLE_RE.sub(lambda m: _TITLES[m.group(1)], text)
    text = _ST_RE.sub(_st, text)
    text = _WORD_RE.sub(_word, text)
    return text
