"""Digits in context -> words: money, times, dates, phone numbers, units, plain numbers."""
from __future__ import annotations

import regex

from .numbers import cardinal, decimal, digits, ordinal, plural, year

MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
          'September', 'October', 'November', 'December']
_MONTH_ALT = '|'.join(MONTHS)
_POINT = '\ue000point'

# symbol -> (singular, plural, minor singular, minor plural)
CURRENCIES = {'$': ('dollar', 'dollars', 'cent', 'cents'), '£': ('pound', 'pounds', 'penny', 'pence'),
              '€': ('euro', 'euros', 'cent', 'cents'), '¥': ('yen', 'yen', '', ''),
              '₹': ('rupee', 'rupees', 'paisa', 'paise'), '₩': ('won', 'won', '', ''),
              '₽': ('ruble', 'rubles', 'kopek', 'kopeks'), '₿': ('bitcoin', 'bitcoins', '', '')}
_MAGNITUDE = {'k': 'thousand', 'K': 'thousand', 'thousand': 'thousand', 'm': 'million', 'M': 'million',
              'mm': 'million', 'MM': 'million', 'million': 'million', 'b': 'billion', 'B': 'billion',
              'bn': 'billion', 'billion': 'billion', 't': 'trillion', 'T': 'trillion',
              'tn': 'trillion', 'trillion': 'trillion'}

_DEG, _DEGS = '\ue000degree', '\ue000degrees'
# unit -> (singular, plural). Only matched right after a number.
UNITS = {
    'km': ('kilometer', 'kilometers'), 'm': ('meter', 'meters'), 'cm': ('centimeter', 'centimeters'),
    'mm': ('millimeter', 'millimeters'), 'mi': ('mile', 'miles'), 'ft': ('foot', 'feet'),
    'yd': ('yard', 'yards'), 'kg': ('kilogram', 'kilograms'), 'g': ('gram', 'grams'),
    'mg': ('milligram', 'milligrams'), 'lb': ('pound', 'pounds'), 'lbs': ('pound', 'pounds'),
    'oz': ('ounce', 'ounces'), 'mph': ('mile per hour', 'miles per hour'),
    'km/h': ('kilometer per hour', 'kilometers per hour'), 'kph': ('kilometer per hour', 'kilometers per hour'),
    'kmh': ('kilometer per hour', 'kilometers per hour'), 'm/s': ('meter per second', 'meters per second'),
    'ml': ('milliliter', 'milliliters'), 'mL': ('milliliter', 'milliliters'), 'l': ('liter', 'liters'),
    'L': ('liter', 'liters'), 'gal': ('gallon', 'gallons'), 'h': ('hour', 'hours'), 'hr': ('hour', 'hours'),
    'hrs': ('hour', 'hours'), 'min': ('minute', 'minutes'), 'mins': ('minute', 'minutes'),
    'sec': ('second', 'seconds'), 'secs': ('second', 'seconds'), 'ms': ('millisecond', 'milliseconds'),
    'KB': ('kilobyte', 'kilobytes'), 'kB': ('kilobyte', 'kilobytes'), 'MB': ('megabyte', 'megabytes'),
    'GB': ('gigabyte', 'gigabytes'), 'TB': ('terabyte', 'terabytes'), 'Hz': ('hertz', 'hertz'),
    'kHz': ('kilohertz', 'kilohertz'), 'MHz': ('megahertz', 'megahertz'), 'GHz': ('gigahertz', 'gigahertz'),
    'kW': ('kilowatt', 'kilowatts'), 'kWh': ('kilowatt hour', 'kilowatt hours'), 'W': ('watt', 'watts'),
    'V': ('volt', 'volts'), 'mAh': ('milliamp hour', 'milliamp hours'), 'dB': ('decibel', 'decibels'),
    'fps': ('frame per second', 'frames per second'), 'bpm': ('beat per minute', 'beats per minute'),
    'kcal': ('kilocalorie', 'kilocalories'), 'cal': ('calorie', 'calories'), 'psi': ('P.S.I.', 'P.S.I.'),
    'px': ('pixel', 'pixels'), 'x': ('times', 'times'), 'mpg': ('mile per gallon', 'miles per gallon'),
    # The degree sign as Misaki says it (espeak's "degrees", then the letter: "degrees F").
    '°C': (_DEG + ' C', _DEGS + ' C'), '°F': (_DEG + ' F', _DEGS + ' F'), '°': (_DEG, _DEGS),
    'ºC': (_DEG + ' C', _DEGS + ' C'), 'ºF': (_DEG + ' F', _DEGS + ' F'),
    '℃': (_DEG + ' C', _DEGS + ' C'), '℉': (_DEG + ' F', _DEGS + ' F'), '%': ('percent', 'percent'),
    '‰': ('per mille', 'per mille'), 'in': ('inch', 'inches'),
}
# Units that are also English words: only taken when glued to the number ("5in", "3m").
_GLUED_ONLY = frozenset({'in', 'm', 'l', 'L', 'g', 'h', 'x', 'W', 'V', 'cal'})

_NUM = r'(?:\d{1,3}(?:,\d{3})+|\d+)'
_DEC = _NUM + r'(?:\.\d+)?'


def _w(words) -> str:
    return ' ' + ' '.join(words) + ' '


def _int(s: str) -> int:
    return int(s.replace(',', ''))


# Words after which a five-digit number is a code, read digit by digit (ZIP 90210).
_CODE_CONTEXT = regex.compile(
    r'\b(?:code|zip|postcode|pin|id|number|no|account|acct|order|confirmation|tracking|serial|'
    r'reference|ref|ticket|booking|invoice|extension|ext|model|part|passcode|otp|policy|case|'
    r'claim|member|customer|item|sku|box)\W{0,3}(?:\w+\W{1,3})?$', regex.I)


def number_words(s: str, code: bool = False) -> list[str]:
    """A bare numeral as it is read in running text (code: the context says it is a code)."""
    s = s.strip()
    neg = s.startswith(('-', '−'))
    if neg:
        s = s[1:]
    if '.' in s:
        ip, _, fp = s.partition('.')
        words = decimal(ip.replace(',', ''), fp)
    elif ',' in s:
        words = cardinal(_int(s))
    elif len(s) > 1 and s[0] == '0':
        words = digits(s)
    elif len(s) == 4:
        words = year(int(s))
    elif (len(s) >= 6 or (len(s) == 5 and code)) and not s.endswith('000'):
        words = digits(s)  # codes, ZIPs, account numbers: nobody says "ninety thousand..."
    else:
        words = cardinal(int(s))
    return (['minus'] + words) if neg else words


def amount_words(s: str) -> list[str]:
    """A quantity (money, measures): always a cardinal or decimal, never a year."""
    s = s.replace(',', '')
    if '.' in s:
        ip, _, fp = s.partition('.')
        return decimal(ip, fp)
    return cardinal(int(s))


# ---- phone numbers ---------------------------------------------------------
_PHONE = regex.compile(
    r'(?<![\w.,/:-])(?:(\+\d{1,3})[\s.-]?)?(?:(1)[\s.-])?(?:\((\d{3})\)\s?|(\d{3})[\s.-])(\d{3})[\s.-](\d{4})(?![\w-]|[.,]\d)'
    r'|(?<![\w.,/:-])(\+\d{1,3})((?:[\s-]\d{1,5}){2,})(?![\w-]|[.,]\d)'
    r'|(?<![\w.,/:$£€¥-])(\d{3})-(\d{4})(?![\w-]|[.,]\d)')


def _group(g: str) -> str:
    return 'eight hundred' if g in ('800', '888', '877', '866') else ' '.join(digits(g))


def _phone(m: regex.Match) -> str:
    # Digit by digit, as phone numbers are said; otherwise in Misaki's style for digit
    # sequences ("4 7 2 9"): "zero" not "oh", no commas between the groups (Misaki
    # inserts no pauses), and a written (area code) keeps its parentheses.
    groups: list[str] = []
    if m.group(1) or m.group(7):
        groups.append('plus ' + ' '.join(digits(m.group(1) or m.group(7))))
    if m.group(8):
        groups += [' '.join(digits(g)) for g in regex.split(r'[\s-]+', m.group(8).strip()) if g]
        return ' ' + ' '.join(groups) + ' '
    if m.group(9):
        return ' ' + ' '.join(digits(m.group(9))) + ' ' + ' '.join(digits(m.group(10))) + ' '
    if m.group(2):
        groups.append('one')
    if m.group(3):
        groups.append('(' + _group(m.group(3)) + ')')
    else:
        groups.append(_group(m.group(4)))
    groups += [' '.join(digits(m.group(5))), ' '.join(digits(m.group(6)))]
    return ' ' + ' '.join(groups) + ' '


# ---- dates -----------------------------------------------------------------
_DATE_MDY = regex.compile(r'\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b')
_DATE_ISO = regex.compile(r'\b(\d{4})-(\d{2})-(\d{2})\b')
# "June 10" is "June ten" as Misaki reads it; "June 10th" is "June tenth".
_MONTH_DAY = regex.compile(r'\b(' + _MONTH_ALT + r')\s+(\d{1,2})(st|nd|rd|th)?\b(?![:.,]\d|\s*%)')
_DAY_MONTH = regex.compile(r'\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(' + _MONTH_ALT + r')\b')


def _date(month: int, day: int, yr: str) -> str:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ''
    y = year(int(yr)) if len(yr) == 4 else (['oh'] + digits(yr[1]) if yr.startswith('0') else cardinal(int(yr)))
    return f' {MONTHS[month - 1]} {" ".join(ordinal(day))}, {" ".join(y)} '


def _mdy(m: regex.Match) -> str:
    a, b = int(m.group(1)), int(m.group(2))
    if a > 12 >= b:
        a, b = b, a  # 15/12/2024 is day-first
    return _date(a, b, m.group(3)) or m.group(0)


def _iso(m: regex.Match) -> str:
    return _date(int(m.group(2)), int(m.group(3)), m.group(1)) or m.group(0)


# ---- times -----------------------------------------------------------------
_AMPM = regex.compile(r'\b(\d{1,2})(?:[:.](\d{2}))?\s*([AaPp])\.?\s?[Mm]\b\.?(?=(\s+\p{Lu}|\s*$)?)')
_AMPM_RANGE = regex.compile(r'\b(\d{1,2})(?:[:.](\d{2}))?(?:\s*([AaPp])\.?\s?[Mm]\b\.?)?\s*[-–]\s*'
                            r'(?=\d{1,2}(?:[:.]\d{2})?\s*[AaPp]\.?\s?[Mm]\b)')
_CLOCK = regex.compile(r'(?<![\d:.,])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:]|[.,]\d)')
_RATIO = regex.compile(r'(?<![\d:.,])(\d+):(\d)(?![\d:])')


# A clock time is plain words, "tˈu θˈɜɹTi" for 2:30. Misaki glues them with the colon kept
# ("tˈu:θˈɜɹTi"), and Kokoro says that colon as a syllable before a "tw": 6:12 and 10:20 were heard
# as "6 at 12" and "10 to 20" (docs/benchmarks.md, G2P deviations).
def _minutes(mm: str) -> list[str]:
    if mm == '00':
        return []
    if mm[0] == '0':
        return ['oh'] + digits(mm[1])
    return cardinal(int(mm))


def _ampm(m: regex.Match) -> str:
    h = int(m.group(1))
    if h > 12:
        return m.group(0)
    mm = m.group(2) or '00'
    letters = 'A.M.' if m.group(3) in 'Aa' else 'P.M.'
    end = ' .' if m.group(0).endswith('.') and m.group(4) is not None else ''
    return _w(cardinal(h) + _minutes(mm) + [letters]) + end


def _ampm_range(m: regex.Match) -> str:
    """The first half of "9-5 pm", "9am-5pm": "nine to", "nine A.M. to"."""
    words = cardinal(int(m.group(1))) + _minutes(m.group(2) or '00')
    if m.group(3):
        words.append('A.M.' if m.group(3) in 'Aa' else 'P.M.')
    return _w(words + ['to'])


def _clock(m: regex.Match) -> str:
    hh, mm, ss = m.group(1), m.group(2), m.group(3)
    if ss is not None:
        part = lambda x: ['zero', 'zero'] if x == '00' else _minutes(x)
        return _w(cardinal(int(hh)) + part(mm) + part(ss))
    h = int(hh)
    if h > 24 or int(mm) > 59:
        return _w(cardinal(h) + cardinal(int(mm)))
    if hh == '00':
        return _w(['zero', 'zero'] + _minutes(mm) if mm != '00' else ['zero', 'zero', 'hundred'])
    if mm == '00':
        return _w(cardinal(h) + (["o'clock"] if h <= 12 else ['hundred']))
    return _w(cardinal(h) + _minutes(mm))


# ---- money -----------------------------------------------------------------
_MONEY = regex.compile(
    r'(-|−)?([$£€¥₹₩₽₿])\s?(' + _DEC + r')(?:\s?(?:-|–)\s?\2?(' + _DEC + r'))?'
    r'(?:\s?(thousand|million|billion|trillion|bn|tn|mm|MM|[kKmMbBtT])\b)?')
_CENTS = regex.compile(r'\b(' + _NUM + r')\s?¢')


def _money_amount(amount: str, cur: tuple, magnitude: str | None) -> list[str]:
    one, many, minor1, minorn = cur
    if magnitude:
        return amount_words(amount) + [_MAGNITUDE[magnitude], many]
    major, _, minor = amount.replace(',', '').partition('.')
    if minor and (len(minor) > 2 or not minor1):
        return amount_words(amount) + [many]
    major_n = int(major) if major else 0
    minor_n = int(minor.ljust(2, '0')) if minor else 0
    words: list[str] = []
    if major_n or not minor_n:
        words = cardinal(major_n) + [one if major_n == 1 else many]
    if minor_n:
        if words:
            words.append('and')
        words += cardinal(minor_n) + [minor1 if minor_n == 1 else minorn]
    return words


def _money(m: regex.Match) -> str:
    cur = CURRENCIES[m.group(2)]
    magnitude = m.group(5)
    if magnitude in ('m', 'b', 't', 'k') and m.group(0)[-2:-1] == ' ':
        magnitude = None  # "$5 m" is too ambiguous to expand
    neg = ['minus'] if m.group(1) else []
    if m.group(4):
        low = amount_words(m.group(3))
        return _w(neg + low + ['to'] + _money_amount(m.group(4), cur, magnitude))
    return _w(neg + _money_amount(m.group(3), cur, magnitude))


# ---- units, percent -----------------------------------------------------------
_UNIT_KEYS = sorted(UNITS, key=len, reverse=True)
_UNIT = regex.compile(
    r'(?<![\w.,])(-|−|±)?(' + _DEC + r')(?:\s?(?:-|–|to)\s?(' + _DEC + r'))?(\s?)(' +
    '|'.join(regex.escape(u) for u in _UNIT_KEYS) + r')(?![\w/])(\.(?=\s+\p{Ll}))?')


def _unit(m: regex.Match) -> str:
    sign, a, b, space, unit = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
    if space and unit in _GLUED_ONLY:
        return m.group(0)
    one, many = UNITS[unit]
    value = b or a
    name = one if value in ('1', '1.0') and not b else many
    words = amount_words(a)
    if b:
        words += ['to'] + amount_words(b)
    if sign in ('-', '−'):
        words = ['minus'] + words
    elif sign == '±':
        words = ['plus', 'or', 'minus'] + words
    return _w(words + [name])


# ---- plain numbers -------------------------------------------------------------
_DECADE = regex.compile(r"(?<![\w.,])['’]?(\d{2}|\d{4})['’]?s\b")
_SHORT_YEAR = regex.compile(r"(?<![\w])['’](\d{2})\b(?!['’]?s\b)")
_ORDINAL = regex.compile(r'\b(' + _NUM + r')(st|nd|rd|th|ST|ND|RD|TH)\b')
_FRACTION = regex.compile(r'(?<![\w/.])(\d{1,3})/(\d{1,3})(?![\w/]|\.\d)')
_RANGE = regex.compile(r'(?<![\w.,:-])(' + _DEC + r')\s?[-–]\s?(' + _DEC + r')(?![\w:-]|[.,]\d)')
_MULTIDOT = regex.compile(r'(?<![\w.])(?:([vV])(?=\d))?\d+(?:\.\d+){2,}(?!\w|\.\d)')
_DECIMAL = regex.compile(r'(?<![\w.,])([-−])?(' + _NUM + r')?\.(\d+)(?!\d|\.\d)')
_NEGATIVE = regex.compile(r'(?<![\w.,)-])[-−](?=\d)')
_HASHNUM = regex.compile(r'#\s?(?=\d)')
_ALNUM = regex.compile(r'\b(?=\w*\d)(?=\w*[A-Za-z])\w+\b')
_INTEGER = regex.compile(r'\d{1,3}(?:,\d{3})+(?!\d)|\d+')
_FRACTION_NAMES = {2: ('half', 'halves'), 4: ('quarter', 'quarters')}


def _decade(m: regex.Match) -> str:
    s = m.group(1)
    n = int(s)
    if len(s) == 2:
        return _w(plural(cardinal(n)) if n % 10 == 0 and n >= 10 else cardinal(n) + ['s'])
    if n % 10 != 0:
        return m.group(0)
    words = year(n)
    return _w(plural(words))


def _fraction(m: regex.Match) -> str:
    a, b = int(m.group(1)), int(m.group(2))
    if b < 2 or b > 16 or a >= b or a == 0:
        return _w(cardinal(a) + cardinal(b))  # 24/7, 50/50
    if b in _FRACTION_NAMES:
        name = _FRACTION_NAMES[b][a != 1]
    else:
        name = ordinal(b)[-1] + ('s' if a != 1 else '')
    return _w(cardinal(a) + [name])


def _multidot(m: regex.Match) -> str:
    s = m.group(0)
    prefix = ''
    if m.group(1):
        s = s[1:]
        before = m.string[max(0, m.start() - 20):m.start()].lower()
        prefix = '' if 'version' in before else 'version '
    parts = s.split('.')
    # An IP address is dictated with "dot"; a version is read as Misaki does, the
    # numbers one after another ("version two one three").
    joiner = 'dot' if len(parts) == 4 else ''
    return ' ' + prefix + ' '.join(f' {joiner} '.join(
        ' '.join(cardinal(int(p)) if not (len(p) > 1 and p[0] == '0') else digits(p)) for p in parts).split()) + ' '


def _decimal(m: regex.Match) -> str:
    ip = (m.group(2) or '').replace(',', '')
    words = decimal(ip, m.group(3)) if ip else [_POINT] + digits(m.group(3))
    return _w((['minus'] if m.group(1) else []) + words)


def _alnum(m: regex.Match) -> str:
    word = m.group(0)
    pieces = regex.findall(r'\d+|[A-Za-z]+|_', word)
    out: list[str] = []
    for p in pieces:
        if p.isdigit():
            out += digits(p) if len(p) > 2 else cardinal(int(p))
        elif p == '_':
            continue
        elif p.isupper() and len(p) <= 4 or len(p) == 1:
            out.append('.'.join(p.upper()) + '.')  # letters of a code are spelled
        else:
            out.append(p)
    return _w(out)


def _integer(m: regex.Match) -> str:
    s = m.group(0)
    code = len(s) == 5 and _CODE_CONTEXT.search(m.string, max(0, m.start() - 40), m.start()) is not None
    return _w(number_words(s, code))


def expand_numbers(text: str) -> str:
    if not any(c.isdigit() for c in text):
        return _CENTS.sub(lambda m: _w(amount_words(m.group(1)) + ['cents']), text) if '¢' in text else text
    text = _PHONE.sub(_phone, text)
    text = _DATE_ISO.sub(_iso, text)
    text = _DATE_MDY.sub(_mdy, text)
    text = _AMPM_RANGE.sub(_ampm_range, text)
    text = _AMPM.sub(_ampm, text)
    text = _CLOCK.sub(_clock, text)
    text = _RATIO.sub(lambda m: _w(cardinal(int(m.group(1))) + ['to'] + cardinal(int(m.group(2)))), text)
    text = _MONEY.sub(_money, text)
    text = _CENTS.sub(lambda m: _w(amount_words(m.group(1)) + ['cents' if m.group(1) != '1' else 'cent']), text)
    text = _UNIT.sub(_unit, text)
    text = _DECADE.sub(_decade, text)
    text = _SHORT_YEAR.sub(lambda m: _w(['oh'] + digits(m.group(1)[1]) if m.group(1)[0] == '0'
                                        else cardinal(int(m.group(1)))), text)
    text = _MONTH_DAY.sub(lambda m: f'{m.group(1)} {" ".join((ordinal if m.group(3) else cardinal)(int(m.group(2))))}', text)
    text = _DAY_MONTH.sub(lambda m: f'{" ".join(ordinal(int(m.group(1))))} of {m.group(2)}', text)
    text = _ORDINAL.sub(lambda m: _w(ordinal(_int(m.group(1)))), text)
    text = _FRACTION.sub(_fraction, text)
    text = _RANGE.sub(lambda m: _w(number_words(m.group(1)) + ['to'] + number_words(m.group(2))), text)
    text = _MULTIDOT.sub(_multidot, text)
    text = _HASHNUM.sub(' number ', text)
    text = _NEGATIVE.sub(' minus ', text)
    text = _DECIMAL.sub(_decimal, text)
    text = _ALNUM.sub(_alnum, text)
    text = _INTEGER.sub(_integer, text)
    return text
