"""Plate text normalization and plate-likeness scoring.

Pure functions, no image processing: the pipeline feeds each text reading (with its
recognizer confidence and box geometry) through :func:`plate_score` and keeps the most
plate-like ones.  The rules are generic (length, letter/digit mix, date stamps, phone
numbers, state names and licence-plate-frame words), not tuned to any file.
"""
from __future__ import annotations

import re
import string

_ALNUM = set(string.ascii_uppercase + string.digits)

_FOLD = str.maketrans({"O": "0", "Q": "0", "I": "1"})


def normalize(text: str) -> str:
    """Uppercase and keep only A-Z0-9 (plates are compared without spaces/dashes)."""
    return "".join(ch for ch in text.upper() if ch in _ALNUM)


def fold_confusable(text: str) -> str:
    """Fold characters that plates (and their ground truth) use interchangeably.

    O (and Q) -> 0, I -> 1.  Many states print O and 0 (I and 1) with the same glyph, so a
    comparison of plates should be made on folded strings as well as exact ones.
    """
    return normalize(text).translate(_FOLD)


def levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


US_STATES = [
    "ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT", "DELAWARE",
    "FLORIDA", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA", "KANSAS", "KENTUCKY",
    "LOUISIANA", "MAINE", "MARYLAND", "MASSACHUSETTS", "MICHIGAN", "MINNESOTA", "MISSISSIPPI",
    "MISSOURI", "MONTANA", "NEBRASKA", "NEVADA", "NEWHAMPSHIRE", "NEWJERSEY", "NEWMEXICO", "NEWYORK",
    "NORTHCAROLINA", "NORTHDAKOTA", "OHIO", "OKLAHOMA", "OREGON", "PENNSYLVANIA", "RHODEISLAND",
    "SOUTHCAROLINA", "SOUTHDAKOTA", "TENNESSEE", "TEXAS", "UTAH", "VERMONT", "VIRGINIA", "WASHINGTON",
    "WESTVIRGINIA", "WISCONSIN", "WYOMING", "COLUMBIA", "HAMPSHIRE", "JERSEY", "MEXICO", "CAROLINA",
    "DAKOTA", "ISLAND", "PUERTORICO", "ONTARIO", "QUEBEC",
]

# Words printed on plates (slogans) and dealer / plate-frame words.  Plates can be vanity
# words too, so these are penalties, not hard rejections.
FRAME_WORDS = {
    "DEALER", "DEALERSHIP", "MOTORS", "MOTOR", "AUTO", "AUTOS", "AUTOMOTIVE", "CARS", "SALES", "STORE",
    "WWW", "COM", "NET", "ORG", "CALL", "PHONE", "SERVICE", "CENTER", "GROUP", "IMPORTS", "TOYOTA",
    "HONDA", "NISSAN", "HYUNDAI", "CHEVROLET", "CHEVY", "LEXUS", "ACURA", "INFINITI", "MAZDA", "SUBARU",
    "DODGE", "CHRYSLER", "JEEP", "BUICK", "CADILLAC", "LINCOLN", "MERCEDES", "VOLKSWAGEN", "AUDI",
    "VOLVO", "PORSCHE", "KIA", "FORD", "GMC", "BMW", "TESLA", "MITSUBISHI", "SCION", "SUZUKI",
    "STATE", "COUNTY", "USA", "AMERICA", "AMERICAN", "TRUST", "GOD", "WE", "IN", "THE", "OF", "AND",
    "LAND", "SUNSHINE", "EMPIRE", "GARDEN", "GRAND", "CANYON", "GREAT", "LAKES", "EXPLORE",
    "VISIT", "TREASURE", "EVERGREEN", "PEACH", "NATURAL", "BEAUTY", "WILD", "WONDERFUL", "PURE",
    "MICHIGAN", "VACATION", "VACATIONLAND", "FAMOUS", "POTATOES", "SPORTSMAN", "PARADISE", "BIG", "SKY",
    "COUNTRY", "HEART", "DIXIE", "FIRST", "LIVE", "FREE", "DIE", "FREEDOM", "SHOW", "ME", "NATION",
    "LICENSE", "PLATE", "REGISTERED", "EXPIRES", "EXP", "MONTH", "YEAR", "TEMPORARY", "TEMP", "TAG",
    "UNIVERSITY", "COLLEGE", "VETERAN", "VETERANS", "SUPPORT", "TROOPS", "PRESERVE", "ENVIRONMENT",
    "CHILDREN", "EDUCATION", "WILDLIFE", "COMMERCIAL", "TRUCK", "TRAILER", "TAXI", "BUS", "POLICE",
    "STOP", "EXIT", "ONLY", "PARKING", "STREET", "ROAD", "AVENUE", "DRIVE", "SPEED", "LIMIT",
    "CAMERA", "NORTHERN", "SOUTHERN", "EASTERN", "WESTERN", "EUROPE", "DIESEL", "TURBO", "HYBRID",
}

_DATE8 = re.compile(
    r"^(?:(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # YYYYMMDD
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d\d"  # MMDDYYYY
    r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d)$"  # DDMMYYYY
)
_TIME6 = re.compile(r"^(?:[01]\d|2[0-3])[0-5]\d[0-5]\d$")
# a registration sticker's month and year (``MAY98``, ``SEP10``, ``JUN2001``, ``10DEC``), compared folded (0CT, N0V)
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|0CT|N0V|DEC"
_STICKER = re.compile(rf"^(?:(?:{_MONTHS})\d{{1,4}}|\d{{1,4}}(?:{_MONTHS}))$")


_FOLDED_FRAME_WORDS = {w.translate(_FOLD) for w in FRAME_WORDS}
_FOLDED_STATES = [w.translate(_FOLD) for w in US_STATES]


def is_word_like(text: str) -> bool:
    """True for state names / slogan / frame words (exactly or one edit away for long words).

    Compared in folded form (O->0, I->1) since the recognizer output may be folded."""
    text = text.translate(_FOLD)
    if text in _FOLDED_FRAME_WORDS:
        return True
    for word in _FOLDED_STATES:
        if text == word or (len(text) >= 5 and abs(len(word) - len(text)) <= 2
                            and levenshtein(text, word) <= max(1, len(word) // 4)):
            return True
        if len(text) >= 5 and len(word) > len(text) and text in word:
            return True
    return False


def text_penalty(text: str, raw: str = "") -> float:
    """Log-scale penalty (<= 0) for how un-plate-like a normalized string is by itself."""
    n = len(text)
    if n < 2 or n > 10:
        return -8.0
    digits = sum(ch.isdigit() for ch in text)
    letters = n - digits
    pen = 0.0
    pen += {2: -3.5, 3: -2.2, 4: -1.0, 5: -0.15, 6: 0.0, 7: 0.0, 8: -0.3, 9: -2.0, 10: -3.0}[n]
    if digits and letters:
        pen += 0.0
    elif digits:  # all digits: dates, times, phone numbers, street numbers
        pen -= 0.8
        if n == 8 and _DATE8.match(text):
            pen -= 4.0
        if n == 6 and _TIME6.match(text) and re.search(r"\d\d\D\d\d\D\d\d", raw):
            pen -= 3.0
        if n == 10:  # phone number
            pen -= 4.0
    else:  # all letters: vanity plates exist, but mostly words on frames/slogans
        pen -= 1.2
    # with O/I read as 0/1, a word shows only 0 and 1 as digits
    wordish = all(ch.isalpha() or ch in "01" for ch in text)
    if letters >= 3 and wordish and is_word_like(text):
        pen -= 4.0
    elif digits and letters >= 4 and wordish:
        pen -= 1.0
    if n == 4 and digits == 4 and re.match(r"^(19|20)\d\d$", text):  # a year (sticker, date)
        pen -= 1.0
    if n == 8 and digits >= 7:  # registration sticker / serial numbers, not plates
        pen -= 1.0
    if _STICKER.match(text.translate(_FOLD)):  # a registration sticker's month and year, not the plate number
        pen -= 2.0
    # a separator pattern like 3-3-4 digits is a phone number
    if re.search(r"\d{3}\D\d{3}\D\d{4}", raw):
        pen -= 4.0
    return pen


def plate_score(text: str, confidence: float, *, raw: str = "", geometry: float = 0.0) -> float:
    """Combined plate-likeness score (higher is better; comparable across candidates)."""
    import math

    return text_penalty(text, raw) + 2.5 * math.log(max(confidence, 1e-3)) + geometry


# ---------------------------------------------------------------------------------------------- plate model (1.2)
MIN_LEN, MAX_LEN = 2, 8  # US plates hold 2-8 characters (most European ones too)

STATE_CODES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA", "COLORADO": "CO",
    "CONNECTICUT": "CT", "DELAWARE": "DE", "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID",
    "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEWHAMPSHIRE": "NH", "NEWJERSEY": "NJ", "NEWMEXICO": "NM", "NEWYORK": "NY", "NORTHCAROLINA": "NC",
    "NORTHDAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR", "PENNSYLVANIA": "PA",
    "RHODEISLAND": "RI", "SOUTHCAROLINA": "SC", "SOUTHDAKOTA": "SD", "TENNESSEE": "TN", "TEXAS": "TX",
    "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA", "WESTVIRGINIA": "WV",
    "WISCONSIN": "WI", "WYOMING": "WY",
}
_FOLDED_STATE_CODES = {name.translate(_FOLD): code for name, code in STATE_CODES.items()}
_TIMESTAMP = re.compile(r"^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{0,6}$")


def layout_of(text: str) -> str:
    """The letter/digit layout of a plate: ``7ABC123`` → ``DLLLDDD``."""
    return "".join("D" if ch.isdigit() else "L" for ch in text)


def state_named(text: str) -> str | None:
    """The state code when a text line reads as a state's name (exactly or one edit off, folded), else None."""
    folded = normalize(text).translate(_FOLD)
    if len(folded) < 4:
        return None
    if folded in _FOLDED_STATE_CODES:
        return _FOLDED_STATE_CODES[folded]
    for name, code in _FOLDED_STATE_CODES.items():
        if len(name) >= 5 and abs(len(name) - len(folded)) <= 1 and levenshtein(folded, name) <= 1:
            return code
    return None


def implausible_reason(text: str, raw: str = "") -> str | None:
    """Why no plate can be ``text`` (never stated as a photo's plate, only kept as a candidate), or None.

    Hard rules only, true of every US plate (and of most others): 2-8 characters; not a camera time stamp
    (8-14 digits starting with a date: ``20140513223916``), a date, a time, a phone number; not a state name or a
    dealer / plate-frame / slogan word."""
    n = len(text)
    if text.isdigit() and (_TIMESTAMP.match(text) and n >= 8 or _DATE8.match(text)):
        return "a date or camera time stamp"
    if n >= 3 and not any(ch.isdigit() and ch not in "01" for ch in text) and is_word_like(text):
        return "a state name or a plate-frame word"
    if n < MIN_LEN:
        return "fewer than 2 characters"
    if n > MAX_LEN:
        return "more than 8 characters"
    if text.isdigit() and n == 6 and _TIME6.match(text) and re.search(r"\d\d\D\d\d\D\d\d", raw):
        return "a time of day"
    if re.search(r"\d{3}\D\d{3}\D\d{4}", raw):
        return "a phone number"
    return None


def length_log_prior(counts: dict[str, dict[str, int]] | None = None, common: float = 0.25) -> dict[int, float]:
    """How rare a plate length is: log(share of plates with n characters / ``common``), capped at 0, for n in 2..8,
    from the layout counts of the tune halves' labels (``layouts.LAYOUT_COUNTS``; add-one smoothed). Only the length
    is used, not the letter/digit layout (the layout prior did not carry over to whole photos, README 1.2/1.3); the
    usual lengths (each at least ``common`` of the plates: 6 and 7) are not told apart, since their mix is the
    data set's mix of states, while a frame edge or bolt read as an eighth character makes a length few plates have."""
    import math
    from collections import Counter

    if counts is None:
        from .layouts import LAYOUT_COUNTS as counts
    lens: Counter = Counter()
    for per_state in counts.values():
        for pat, k in per_state.items():
            lens[len(pat)] += k
    p = {n: lens[n] + 1 for n in range(MIN_LEN, MAX_LEN + 1)}
    total = sum(p.values())
    return {n: min(0.0, math.log(k / total / common)) for n, k in p.items()}


class LayoutPrior:
    """log P(layout) of a plate text: layouts counted per state (``layouts.LAYOUT_COUNTS``, learnt from real
    plates' labels), smoothed towards a back-off model (length distribution × letter/digit bigram) so a layout never
    seen (vanity plates) is unlikely but possible. Given a state (its name read on the plate), the state's own
    layouts are mixed in with weight ``state_weight``. Values are relative to the most likely layout (≤ 0)."""

    def __init__(self, counts: dict[str, dict[str, int]] | None = None, *, alpha: float = 60.0,
                 state_weight: float = 0.5, floor: float = -5.0):
        if counts is None:
            from .layouts import LAYOUT_COUNTS as counts
        import math
        from collections import Counter

        self.alpha, self.state_weight, self.floor = alpha, state_weight, floor
        total: Counter = Counter()
        for per_state in counts.values():
            total.update(per_state)
        n = sum(total.values())
        lens: Counter = Counter()
        big: Counter = Counter()
        uni: Counter = Counter()
        for pat, k in total.items():
            lens[len(pat)] += k
            prev = "^"
            for ch in pat + "$":
                big[prev + ch] += k
                uni[prev] += k
                prev = ch
        self._len = {m: (lens[m] + 1) / (n + MAX_LEN) for m in range(MIN_LEN, MAX_LEN + 1)}
        self._big = {a + b: (big[a + b] + 0.5) / (uni[a] + 1.5) for a in "^LD" for b in "LD$"}
        self._total, self._n = total, n
        self._z: dict[int, float] = {}
        self._states = {s.upper(): (dict(c), sum(c.values())) for s, c in counts.items()}
        self._log = math.log
        self._ref = max(self._p(pat, None) for pat in total) if total else 1.0

    def _chain(self, pat: str) -> float:
        p, prev = 1.0, "^"
        for ch in pat + "$":
            p *= self._big[prev + ch]
            prev = ch
        return p

    def _backoff(self, pat: str) -> float:
        """P(length) × P(layout | length) under the letter/digit bigram (normalised over that length's layouts)."""
        m = len(pat)
        if m not in self._z:
            from itertools import product

            self._z[m] = sum(self._chain("".join(p)) for p in product("LD", repeat=m))
        return self._len.get(m, 1e-4) * self._chain(pat) / self._z[m]

    def _p(self, pat: str, state: str | None) -> float:
        generic = (self._total.get(pat, 0) + self.alpha * self._backoff(pat)) / (self._n + self.alpha)
        if state and state in self._states:
            c, m = self._states[state]
            own = (c.get(pat, 0) + 2.0 * generic) / (m + 2.0)
            return self.state_weight * own + (1 - self.state_weight) * generic
        return generic

    def log_prior(self, text: str, state: str | None = None) -> float:
        if not (MIN_LEN <= len(text) <= MAX_LEN):
            return self.floor
        return max(self.floor, self._log(self._p(layout_of(text), state) / self._ref))
