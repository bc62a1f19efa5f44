"""SB 54 screening of a request's free text (R-SHR-5a): the one word list and the one matcher.

A partner may answer "not related to civil immigration enforcement" and still write "ICE detainer" in the purpose.
Every free text of a request (purpose details, legal basis, law citation, area, title, case number, e-mail, and
each answer added later) goes through ``immigration_screen``; a match puts the request on the immigration path
(``apps.disclosures.selectors.disclosure_request_immigration``): it cannot be approved until the custodian has
examined a judicial warrant (court, judge, date) or confirmed a cited state or county law.

The matcher thinks like someone trying to slip past a filter. The text is looked at in three views:

- *words*, case kept: Unicode folded (full-width forms, accents, look-alike Cyrillic and Greek letters, zero-width
  characters and soft hyphens removed), every run of punctuation, dots, dashes or spaces made one space, and runs of
  single letters joined into an acronym (``I.C.E.``, ``I C E``, ``i-c-e`` → ``ICE``; ``8 U.S.C.`` → ``8 USC``);
- the same with digits read as letters inside words (``1CE``, ``d3portation``, ``imm1gration``);
- *squashed*: lower case, nothing but letters and digits, for the long unmistakable stems split by hyphens or
  spaces (``de-portation``, ``im migration``, ``Border-Patrol``).

``ICE`` matches as an upper-case word (or an acronym spelled with dots or spaces), or as ``ice`` next to words of
immigration enforcement (``ice agents``, ``notify ice``) — never ``ice cream``, ``black ice``, ``police``,
``notice`` or ``justice``. A false match costs the requester a warrant or a citation; a missed one breaks SB 54, so
the list leans to matching: ``detainer``, ``alien`` and ``immigra…`` in any form match on their own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Look-alike letters that render as Latin ones (Cyrillic, Greek).
_HOMOGLYPHS = str.maketrans({
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K", "М": "M", "О": "O", "Р": "P",
    "Ѕ": "S", "Т": "T", "Х": "X", "а": "a", "с": "c", "е": "e", "і": "i", "ј": "j", "о": "o", "р": "p", "ѕ": "s",
    "х": "x", "у": "y", "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Χ": "X", "Ζ": "Z", "ο": "o", "ι": "i", "ε": "e", "ı": "i",
})
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\ufeff]")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_SINGLE_LETTER_RUN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z](?: [A-Za-z](?![0-9A-Za-z]))+")
_LEET = str.maketrans({"0": "O", "1": "I", "3": "E", "4": "A", "5": "S", "7": "T", "8": "B"})
_MIXED_WORD = re.compile(r"\b(?=[0-9]*[A-Za-z])(?=[A-Za-z]*[0-9])[0-9A-Za-z]+\b")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_HOMOGLYPHS)
    text = _INVISIBLE.sub("", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


def _words(folded: str) -> str:
    spaced = _NOT_ALNUM.sub(" ", folded)
    joined = _SINGLE_LETTER_RUN.sub(lambda m: m.group(0).replace(" ", "").upper(), spaced)
    return f" {' '.join(joined.split())} "


def _leet(words: str) -> str:
    return _MIXED_WORD.sub(lambda m: m.group(0).translate(_LEET), words)


_ICE_BENIGN_AFTER = re.compile(
    r" (?:cream|creams|rink|chest|machine|maker|box|storm|skating|skates?|hockey|packs?|cubes?|pick|tea|bucket|"
    r"bags?|age|sheet|fishing|shaving|plant|coffee|water|cold|covered|road|roadway|"
    r"on (?:the )?(?:road|roadway|street|highway|freeway|bridge|windshield|pavement|surface))\b", re.IGNORECASE)
_ICE_BENIGN_BEFORE = frozenset({"black", "dry", "thin", "shaved", "crushed", "snow", "sleet", "icy", "road", "salt"})
_ICE_UPPER = re.compile(r"\bICE\b")


def _ice_upper_case(view: str) -> bool:
    """``ICE`` as an upper-case word (or an acronym: I.C.E., I C E), unless the words around it say frozen water
    (``ICE CREAM``, ``BLACK ICE``, ``SNOW AND ICE``, ``ICE ON ROADWAY``)."""
    for match in _ICE_UPPER.finditer(view):
        if _ICE_BENIGN_AFTER.match(view, match.end()):
            continue
        before = view[:match.start()].split()[-2:]
        previous = before[-1].lower() if before else ""
        if previous in _ICE_BENIGN_BEFORE or (previous == "and" and len(before) == 2
                                               and before[0].lower() in _ICE_BENIGN_BEFORE | {"rain"}):
            continue
        return True
    return False


@dataclass(frozen=True)
class _Term:
    label: str
    pattern: re.Pattern | None = None
    squashed: bool = False  # matched against the squashed view instead of the word views
    check: object = None  # a function of a word view, instead of a pattern

    def found_in(self, views: tuple[str, ...], squashed: str) -> bool:
        if self.check is not None:
            return any(self.check(view) for view in views)
        if self.squashed:
            return bool(self.pattern.search(squashed))
        return any(self.pattern.search(view) for view in views)


def _w(label: str, regex: str, *, case: bool = False) -> _Term:
    return _Term(label, re.compile(regex, 0 if case else re.IGNORECASE))


def _s(label: str, regex: str) -> _Term:
    return _Term(label, re.compile(regex), squashed=True)


_ICE_CONTEXT_AFTER = (r"agents?|officers?|detainers?|holds?|requests?|warrants?|custody|ero|hsi|raids?|operations?|"
                      r"enforcement|removal|deportations?|field office|task force|referrals?|investigators?|"
                      r"notif\w*|arrest|pick ?up|detention|processing")
_ICE_CONTEXT_BEFORE = (r"notify|notified|notifying|contact|contacted|contacting|assist|assisting|refer|referred|per|"
                       r"federal|call|called|dhs")
ICE = "ICE (Immigration and Customs Enforcement)"

# The word list (R-SHR-5a). Each label is what the requester and the custodian are shown.
TERMS: tuple[_Term, ...] = (
    _Term(ICE, check=_ice_upper_case),
    _w(ICE, rf"\bice (?:{_ICE_CONTEXT_AFTER})\b"),
    _w(ICE, rf"\b(?:{_ICE_CONTEXT_BEFORE}) ice\b(?! cream)"),
    _w(ICE, r"\bice dhs\b|\bdhs gov\b"),
    _w("Immigration and Customs Enforcement", r"\bcustoms enforcement\b"),
    _w("immigration", r"\b(?:im{1,2}igr|inmigr)\w*"),
    _w("“la migra” / migratory status", r"\bmigra\b|\bmigratori[oa]s?\b|\bmigratory status\b"),
    _w("ERO (Enforcement and Removal Operations)", r"\bERO\b"),
    _w("Enforcement and Removal Operations", r"\benforcement (?:and )?removal\b|\bremoval operations?\b"),
    _w("HSI (Homeland Security Investigations)", r"\bHSI\b"),
    _w("Homeland Security Investigations", r"\bhomeland security investigations?\b"),
    _w("CBP (Customs and Border Protection)", r"\bCBP\b|\bcustoms (?:and )?border\b"),
    _w("Border Patrol", r"\bborder patrol\w*|\bpatrulla fronteriza\b"),
    _w("deportation", r"\bdeport(?!ment)\w*"),
    _w("removal proceedings", r"\bremov(?:al|able|ed) (?:proceedings?|orders?|hearings?|cases?|alien\w*)\b|"
                              r"\borders? of removal\b|\bexpedited removal\b|\bremovable\b"),
    _w("detainer", r"\bdetainers?\b"),
    _w("alien", r"\baliens?\b|\balienage\b"),
    _w("undocumented", r"\bundocumented\b|\bindocumentad[oa]s?\b|\bsin papeles\b|\bilegales\b|\billegals\b"),
    _w("visa overstay", r"\bvisa (?:overstay\w*|status|violations?|expired)\b|\boverst(?:ay|ayed|ays|aying)\b"
                        r"|\bout of status\b"),
    _w("immigration status", r"\b(?:citizenship|residency|nationality) status\b|\bgreen card\b|"
                             r"\blawful permanent resident\b|\bunlawful(?:ly)? present\w*\b|\bunlawful presence\b|"
                             r"\billegal(?:ly)? present\b|\binadmissib\w*|\bvoluntary departure\b|\bDACA\b|"
                             r"\bUSCIS\b|\basyl(?:um|ee)\b|\bestatus migratorio\b"),
    _w("8 U.S.C. (Aliens and Nationality)", r"\b8 ?USC\b|\b1357 ?g\b|\bsec(?:tion)? 1357\b"),
    _w("287(g)", r"\b287 ?g\b"),
    _w("ICE forms (I-247, I-200, I-213, I-862)", r"\bI ?(?:247[ADNX]?|200|203|213|216|286|862)\b"),
    _w("Secure Communities", r"\bsecure communities\b|\bpriority enforcement program\b"),
    # R-HOT-6: the NCIC Immigration Violator File by its abbreviation (its full name already matches "immigra…").
    _w("NCIC Immigration Violator File (IVF)", r"\bIVF\b|\bNCIC ?IV\b"),
    _s("immigration", r"im{1,2}igr|inmigr"),
    _s("deportation", r"deporta[ct]|deported|deportee|deportab"),
    _s("undocumented", r"undocumented|indocumentad"),
    _s("detainer", r"detainer"),
    _s("Border Patrol", r"borderpatrol|patrullafronteriza|customsandborder"),
    _s("Immigration and Customs Enforcement", r"customsenforcement"),
    _s("Homeland Security Investigations", r"homelandsecurityinvestigation"),
    _s("Enforcement and Removal Operations", r"enforcementandremoval|removaloperation"),
    _s("removal proceedings", r"removalproceeding"),
    _s("visa overstay", r"visaoverstay"),
    _s("8 U.S.C. (Aliens and Nationality)", r"8usc1357"),
)


def immigration_screen(*texts: str) -> list[str]:
    """The labels of every civil-immigration indication found in ``texts`` (R-SHR-5a), in word-list order, each
    once; ``[]`` when nothing matched."""
    found: list[str] = []
    for text in texts:
        if not text or not str(text).strip():
            continue
        folded = _fold(str(text))
        words = _words(folded)
        views = (words, _leet(words))
        squashed = _NOT_ALNUM.sub("", folded).lower()
        for term in TERMS:
            if term.label in found:
                continue
            if term.found_in(views, squashed):
                found.append(term.label)
    return found

