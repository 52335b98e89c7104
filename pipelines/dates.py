"""The dates stage: the date a policy states for itself ("Last updated", "Effective", "Stand")."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from crawler.items import CaptureItem, Document
from pipelines.stage import Stage

# Policies on the web start in the mid-1990s; an earlier date is a law's or a company's history.
MIN_YEAR, MAX_YEAR = 1990, 2099
TWO_DIGIT_PIVOT = 90  # "3/11/25" is 2025, "12/1/98" is 1998

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar jänner jän janvier janv enero ene gennaio gen januari janeiro",
        "february feb februar février fevrier févr fevr fév febrero febbraio februari"
        " fevereiro fev",
        "march mar märz maerz marz mär mrz mars marzo maart mrt março",
        "april apr avril avr abril abr aprile",
        "may mai mayo maggio mag mei maio",
        "june jun juni juin junio giugno giu junho",
        "july jul juli juillet juil julio luglio lug julho",
        "august aug août aout agosto ago augustus",
        "september sep sept septembre septiembre setiembre settembre set sett setembro",
        "october oct oktober okt octobre octubre ottobre ott outubro",
        "november nov novembre noviembre novembro",
        "december dec dezember dez décembre decembre déc diciembre dic dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH = r"\b(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_YEAR = r"(?P<y>(?:19|20)\d\d)(?!\d)"
_DAY = r"(?P<d>[0-3]?\d)"
# "1st", "1er", "1.", "1º"; "of" and "de" join day, month and year in English and Spanish.
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\d.,/-]){_DAY}(?:st|nd|rd|th|er|re|e|º|°)?\.?\s*(?:of\s+|de\s+)?{_MONTH},?\s*"
    rf"(?:de\s+|del\s+)?{_YEAR}",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(rf"{_MONTH}\s*{_DAY}(?:st|nd|rd|th)?(?!\d),?\s+{_YEAR}", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"{_MONTH},?\s+(?:de\s+|del\s+)?{_YEAR}", re.IGNORECASE)
_ISO = re.compile(
    r"(?<![\d./-])(?P<y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)"
    r"(?![\d]|[./-]\d)"
)
_NUMERIC = re.compile(
    r"(?<![\d./-])(?P<a>[0-3]?\d)(?P<sep>[/.-])(?P<b>[0-3]?\d)(?P=sep)(?P<y>(?:19|20)?\d\d)"
    r"(?![\d]|[./-]\d)"
)
_NUMERIC_MONTH_YEAR = re.compile(
    r"(?<![\d./-])(?P<m>[01]?\d)[/.](?P<y>(?:19|20)\d\d)(?![\d]|[./-]\d)"
)

# What a label says of its date, and how much that tells: a retrospective label ("updated") can't
# carry a date after the capture, a forward one ("applies from") can.
_RETROSPECTIVE = re.compile(
    r"\b(?:last[- ]?updated|updated|last update|(?:last )?modified|(?:last )?revised|"
    r"(?:last |date of (?:the )?last )?revision|last changed|(?:last )?amended|"
    r"zuletzt aktualisiert|aktualisiert|(?:letzte )?aktualisierung|(?:zuletzt )?geändert|"
    r"letzte änderung|überarbeitet|"
    r"(?:dernière )?mise à jour|mis à jour|mise a jour|à jour|(?:dernière )?modification|"
    r"modifiée?|révisée?|révision|"
    r"(?:última )?actualización|actualizad[oa]|(?:última )?modificación|modificad[oa]|"
    r"revisad[oa]|(?:última )?revisión|"
    r"(?:ultimo )?aggiornamento|aggiornat[oa]|(?:ultima )?modifica|modificat[oa]|revisione|"
    r"laatst bijgewerkt|bijgewerkt|laatste update|(?:laatst )?gewijzigd|laatste wijziging|herzien|"
    r"(?:última )?atualização|atualizad[oa]|(?:última )?revisão|(?:última )?alteração|"
    r"alterad[oa])"
    r"|(?-i:\bStand\b)",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"\b(?:effective|in effect|takes? effect|appl(?:y|ies) from|applicable from|valid from|"
    r"(?:comes? )?into force|in force from|"
    r"gültig ab|gültig seit|gilt ab|gelten ab|in kraft|wirksam ab|"
    r"(?:entrée )?en vigueur|applicable à (?:partir|compter) d[eu]|s['’]applique à partir d[eu]|"
    r"à compter du|prend effet|"
    r"vigente desde|(?:entrada )?en vigor|efectiv[oa] desde|se aplica a partir del?|"
    r"(?:entrata )?in vigore|efficace dal|valid[oa] dal|si applica dal|applicabile dal|"
    r"van kracht|ingangsdatum|geldig vanaf|geldt vanaf|in werking|"
    r"(?:entra(?:da)? )?em vigor|vigente a partir d[eo]|válid[oa] a partir d[eo]|"
    r"aplica-se a partir d[eo])",
    re.IGNORECASE,
)
_NEUTRAL = re.compile(
    r"\b(?:version(?:\s+(?:no\.?\s*)?\d+(?:\.\d+)*)?|versione|versión|versie|fassung|"
    r"posted|published|publié|veröffentlicht|as of|"
    r"(?:privacy (?:policy|statement|notice)|policy|statement|notice|datenschutzerklärung|"
    r"datenschutzhinweise|politique de confidentialité|política de privacidad|"
    r"informativa(?: sulla)? privacy|privacyverklaring|privacybeleid)"
    r"\s+(?:dated|of|vom|du|del|van)|"
    r"dated|(?:date|datum|fecha|data)\s*:)",
    re.IGNORECASE,
)
# German and Dutch may put the verb after the date: "wurde am 12.03.2020 aktualisiert".
_TRAILING = re.compile(
    r"\s{1,3}(?:(?P<past>aktualisiert|geändert|überarbeitet|bijgewerkt|gewijzigd|herzien|"
    r"aangepast)|(?P<ahead>in kraft|in werking|van kracht))\b",
    re.IGNORECASE,
)
LABEL_WEIGHTS = {"retrospective": 1.0, "forward": 1.0, "neutral": 0.85}
CHANGELOG_WEIGHT = 0.7  # the newest entry of a list of dated changes
BARE_WEIGHT = 0.5  # a date standing alone on a line near the top or the end
LABEL_HEADING_CHARS = 40  # a line this short above a date, past a blank line, may be its label

# Near the top, where policies put their date, or at the very end, where older ones did.
ZONE_SHARE, ZONE_MIN_CHARS = 0.12, 600
POSITION_WEIGHTS = {"top": 1.0, "end": 0.9, "middle": 0.6}
MIN_SCORE = 0.3

PREVIOUS_PENALTY = 0.15
BOUNDARY_PENALTY = 0.2
CONDITIONAL_PENALTY = 0.5
AMBIGUOUS_CONFIDENCE = 0.6
CAPTURE_DECIDED_CONFIDENCE = 0.85
CONTESTED_CONFIDENCE = 0.8

_PREVIOUS = re.compile(
    r"\b(?:previous|prior (?:versions?|polic\w*|statements?|notices?)|"
    r"archived? (?:versions?|polic\w*|cop\w+)|older versions?|earlier versions?|"
    r"former versions?|superseded|vorherige|vorige|frühere|bisherige|alte fassung|ältere|"
    r"précédente?|ancienne version|antérieure?|versión anterior|política anterior|"
    r"versione precedente|precedente versione|eerdere|oude versie)\b",
    re.IGNORECASE,
)
_REPLACES = re.compile(
    r"\b(?:replac\w*|supersed\w*|ersetzt|remplace\w*|sustituye|reemplaza|sostituisce|vervangt)\b",
    re.IGNORECASE,
)
# A date right after these ends a period ("applies until"), it does not start one.
_BOUNDARY = re.compile(
    r"\b(?:until|till|through|prior to|before|bis(?: zum)?|jusqu['’](?:au|à)|avant le|"
    r"hasta(?: el)?|fino al|tot(?: en met)?)\s*$",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(
    r"\b(?:for (?:users|residents|customers|members|individuals|consumers|people|those|persons)|"
    r"if you (?:are|live|reside|registered)|für (?:nutzer|kunden|mitglieder|personen)|"
    r"pour les (?:utilisateurs|résidents|membres)|para (?:los )?(?:usuarios|residentes)|"
    r"per gli utenti|voor (?:gebruikers|leden))\b",
    re.IGNORECASE,
)
_EXAMPLE = re.compile(
    r"(?:\be\.\s?g\.|\bfor (?:example|instance)\b|\bsuch as\b|\bz\.\s?b\.|\bzum beispiel\b|"
    r"\bbeispielsweise\b|\bpar exemple\b|\bp\.\s?ex\.|\bpor ejemplo\b|\bad esempio\b|"
    r"\bper esempio\b|\bbijvoorbeeld\b|\bexample:)",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"©|\(c\)|\bcopyright\b|\burheberrecht", re.IGNORECASE)
# Legal instruments: "the GDPR of 27 April 2016", "Act of 18 July 2002", "CCT du 4 juin 2021".
_LAW = re.compile(
    r"\b(?:act|law|laws|regulations?|directive|decision|decree|statute|code|clauses|commission|"
    r"court|judgment|ruling|treaty|convention|gdpr|ccpa|rgpd|dsgvo|bdsg|avg|"
    r"loi|règlement|décret|ordonnance|arrêté|cct|gesetz(?:es)?|verordnung|richtlinie|beschluss|"
    r"urteil|ley|reglamento|decreto|legge|regolamento|wet|verordening|besluit)\b",
    re.IGNORECASE,
)
LAW_CONNECTOR_REACH = 60  # characters from a law's name to the "of" before its date
_LAW_CONNECTOR = re.compile(r"\b(?:of|dated|du|vom|from|de|del|van|dal|des|am)\s*$", re.IGNORECASE)
_POLICY_WORD = re.compile(
    r"\b(?:policy|statement|notice|datenschutz\w*|politique|política|informativa|privacy\w*)\b",
    re.IGNORECASE,
)
_ODD_SPACE = re.compile("[\u00a0\u2007\u2009\u202f]")
_YEAR_ONLY = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
YEAR_REACH = 40  # characters from a date's first letter to its year: "1er septembre de 2021"
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;](?=\s+[A-ZÀ-ÖØ-Þ])|\n[ \t]*\n")
# Words whose dot ends an abbreviation, not a sentence ("Law No. 2004-575", "Acme Inc. Its").
_ABBREVIATIONS = frozenset(
    {"no", "nr", "art", "inc", "ltd", "co", "corp", "st", "dr", "mr", "ms", "vs", "ca", "bzw"}
)
_GAP = re.compile(r"[^\d.!?;]{0,32}")
_LINE_REST = re.compile(r"[\W_]*", re.UNICODE)
# A place of signature before a date: one to three words, the first capitalised, a comma, and
# the article some languages put before the date.
_SIGNED_AT = re.compile(
    r"\s*[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:[ -][\w'’.-]+){0,2},\s*(?:le|den|am|il|lì|li|a|el|on)?\s*"
)
_CHANGELOG_TAIL = re.compile(r"\s*[:\-–—)]\s*\S")

# Region subtags whose convention puts the month first (CLDR short date patterns).
MONTH_FIRST_REGIONS = frozenset({"US", "PH"})
_STOPWORDS = {
    "en": "the and of to you your we our with this that for is are",
    "de": "der die und das sie wir ihre nicht mit für von ist zu den",
    "fr": "le la les et de des du vous nous vos est pour une dans",
    "es": "el los las y que en para por sus usted una con del",
    "it": "il lo gli e di che per dei delle sono una con non",
    "nl": "het een en van wij uw niet met voor zijn dat die",
}
_STOPWORD_SETS = {language: frozenset(words.split()) for language, words in _STOPWORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    value: str  # "YYYY-MM-DD", or "YYYY-MM" when the page states only a month
    phrase: str  # the exact phrase it came from
    confidence: float  # 0..1
    ambiguous: bool  # a numeric date whose day/month order cannot be decided
    after_capture: bool  # stated date later than captured_at


@dataclass(slots=True)
class _Found:
    """A date written in the text, before its label and place are weighed."""

    start: int
    end: int
    year: int
    month: int
    day: int | None  # None for a month-only date
    month_first: tuple[int, int] | None = None  # a numeric date's other reading (month, day)
    separator: str = ""
    forced_order: str = ""  # "dmy" or "mdy" when only one reading of a numeric date exists
    short_year: bool = False
    written_order: str = ""  # "dmy" or "mdy" for a date with a month name


@dataclass(slots=True)
class _Candidate:
    found: _Found
    score: float
    label_start: int
    phrase_end: int  # past a label that follows its date ("am 12.03.2020 aktualisiert")
    label_kind: str  # "retrospective", "forward", "neutral", "changelog" or "bare"
    ambiguous: bool = False
    capture_decided: bool = False


def find_effective_date(
    text: str, language: str | None = None, captured_at: datetime | None = None
) -> EffectiveDate | None:
    """The date `text` states for itself, or None when it states none.

    `language` is a BCP 47 tag ("en-US", "de"); without one the text's language is guessed.
    `captured_at` settles numeric dates a label says are past, and flags dates after it.
    """
    scan = _URL.sub(lambda match: " " * len(match[0]), _plain_spaces(text))
    found = _find_dates(scan)
    if not found:
        return None
    order = _numeric_order(language, scan, found)
    written = _written_order(found)
    captured = captured_at.date() if captured_at is not None else None
    candidates = [
        candidate
        for candidate in (_weigh(scan, date_found, len(scan)) for date_found in found)
        if candidate is not None
    ]
    candidates += _changelogs(scan, found, len(scan))
    for candidate in candidates:
        _resolve_order(candidate, order, written, captured)
    candidates = [candidate for candidate in candidates if candidate.score >= MIN_SCORE]
    if not candidates:
        return None
    best = max(candidates, key=lambda candidate: (candidate.score, -candidate.found.start))
    value = _value(best.found)
    confidence = min(1.0, best.score)
    rivals = [c for c in candidates if _value(c.found) != value and c.score >= 0.8 * best.score]
    if rivals:
        confidence *= CONTESTED_CONFIDENCE
    if best.ambiguous:
        confidence *= AMBIGUOUS_CONFIDENCE
    elif best.capture_decided:
        confidence *= CAPTURE_DECIDED_CONFIDENCE
    return EffectiveDate(
        value=value,
        phrase=text[best.label_start : best.phrase_end],
        confidence=round(confidence, 2),
        ambiguous=best.ambiguous,
        after_capture=captured is not None and _first_day(best.found) > captured,
    )


def _plain_spaces(text: str) -> str:
    """`text` with no-break and thin spaces made plain, keeping every offset."""
    return _ODD_SPACE.sub(" ", text)


def _near_years(text: str) -> list[tuple[int, int]]:
    """Stretches of `text` that end in a four-digit year, where a month's name may come before.

    Trying dozens of month names at every word is slow; years are rare, so look only there.
    """
    stretches: list[tuple[int, int]] = []
    for year in _YEAR_ONLY.finditer(text):
        start, end = max(0, year.start() - YEAR_REACH), year.end()
        if stretches and start <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
    return stretches


def _matches(
    pattern: re.Pattern[str], text: str, stretches: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """`pattern`'s matches that end within one of `stretches` (lookarounds see the whole text)."""
    for start, end in stretches:
        for match in pattern.finditer(text, start, min(len(text), end + 3)):
            if match.end() <= end:
                yield match


def _find_dates(text: str) -> list[_Found]:
    """Every date written in `text`, full dates first claiming their span."""
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= left or start >= right for left, right in taken)

    def keep(item: _Found) -> None:
        if free(item.start, item.end) and _valid(item):
            found.append(item)
            taken.append((item.start, item.end))

    for match in _ISO.finditer(text):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        keep(_Found(match.start(), match.end(), year, month, day, separator="iso"))
    stretches = _near_years(text)
    for pattern, written_order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        for match in _matches(pattern, text, stretches):
            month = MONTHS[match["mon"].lower()]
            item = _Found(match.start(), match.end(), int(match["y"]), month, int(match["d"]))
            item.written_order = written_order
            keep(item)
    for match in _NUMERIC.finditer(text):
        keep(_numeric(match))
    for match in _matches(_MONTH_YEAR, text, stretches):
        keep(
            _Found(match.start(), match.end(), int(match["y"]), MONTHS[match["mon"].lower()], None)
        )
    for match in _NUMERIC_MONTH_YEAR.finditer(text):
        item = _Found(match.start(), match.end(), int(match["y"]), int(match["m"]), None)
        item.short_year = True  # bare "06/2021" is as often a card expiry as a date: label needed
        keep(item)
    return sorted(found, key=lambda item: item.start)


def date_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every date with a year written in `text`, in order."""
    return [(item.start, item.end) for item in _find_dates(_plain_spaces(text))]


def _numeric(match: re.Match[str]) -> _Found:
    """A d/m/y or m/d/y date, read day first, with its month-first reading if there is one."""
    first, second, year_text = int(match["a"]), int(match["b"]), match["y"]
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < TWO_DIGIT_PIVOT else 1900
    item = _Found(match.start(), match.end(), year, second, first, separator=match["sep"])
    item.short_year = len(year_text) == 2
    day_first, month_first = _day_exists(year, second, first), _day_exists(year, first, second)
    if day_first and month_first and first != second:
        item.month_first = (first, second)
    elif month_first and not day_first:
        item.month, item.day, item.forced_order = first, second, "mdy"
    elif day_first and not month_first:
        item.forced_order = "dmy"
    elif not day_first:
        item.year = 0  # neither reading is a day of the calendar
    return item


def _day_exists(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _valid(item: _Found) -> bool:
    if not MIN_YEAR <= item.year <= MAX_YEAR:
        return False
    return (
        1 <= item.month <= 12 if item.day is None else _day_exists(item.year, item.month, item.day)
    )


def _clause_before(text: str, start: int) -> int:
    """Where the clause leading up to `start` begins: this line, or the label line above it."""
    line_start = text.rfind("\n", 0, start) + 1
    begin = line_start
    label_line_end = -1  # a heading above the date ("Effective date", blank line, the date)
    if not text[line_start:start].strip() and line_start > 0:
        above = text[:line_start].rstrip()
        previous_start = above.rfind("\n") + 1
        blank_between = "\n" in text[len(above) : line_start - 1]
        if not blank_between or len(above) - previous_start <= LABEL_HEADING_CHARS:
            begin, label_line_end = previous_start, len(above)
    begin = max(begin, start - 200)
    for boundary in _SENTENCE_END.finditer(text, begin, start):
        if boundary[0] == "." and _abbreviation_before(text, boundary.start()):
            continue
        if boundary[0].startswith("\n") and boundary.start() == label_line_end:
            continue
        begin = boundary.end()
    return begin


def _abbreviation_before(text: str, dot: int) -> bool:
    word = re.search(r"(\w+)$", text[max(0, dot - 12) : dot])
    return word is None or len(word[1]) == 1 or word[1].lower() in _ABBREVIATIONS


def _label(text: str, clause_start: int, start: int) -> tuple[str, int] | None:
    """The label that introduces the date at `start`: its kind and where it begins."""
    labels = [
        (LABEL_WEIGHTS[kind], match.end(), kind, match.start())
        for kind, pattern in (
            ("retrospective", _RETROSPECTIVE),
            ("forward", _FORWARD),
            ("neutral", _NEUTRAL),
        )
        for match in pattern.finditer(text, clause_start, start)
        if _GAP.fullmatch(text, match.end(), start)
    ]
    if not labels:
        return None
    _, _, kind, label_start = max(labels)
    return kind, label_start


def _zone(start: int, length: int) -> str:
    zone = max(ZONE_SHARE * length, ZONE_MIN_CHARS)
    if start <= zone:
        return "top"
    return "end" if start >= length - zone else "middle"


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _standalone(text: str, item: _Found) -> bool:
    """Whether the date is all there is on its line, but for punctuation and a place it was
    signed at ("Roma, 15/10/2013", "Paris, le 3 mai 2019", "Berlin, den 12.03.2020")."""
    line_start = text.rfind("\n", 0, item.start) + 1
    before = text[line_start : item.start]
    if _LINE_REST.fullmatch(text[item.end : _line_end(text, item.end)]) is None:
        return False
    return _LINE_REST.fullmatch(before) is not None or _SIGNED_AT.fullmatch(before) is not None


def _weigh(text: str, item: _Found, length: int) -> _Candidate | None:
    """A candidate for the policy's date, or None for a law's, an example's or a bare one's."""
    clause_start = _clause_before(text, item.start)
    clause = text[clause_start : item.start]
    if _EXAMPLE.search(clause) or _COPYRIGHT.search(clause):
        return None
    label = _label(text, clause_start, item.start)
    updated_at = label[1] - clause_start if label and label[0] == "retrospective" else None
    if _law_date(clause, updated_at):
        return None
    zone = _zone(item.start, length)
    trailing = _TRAILING.match(text, item.end)
    phrase_end = trailing.end() if trailing else item.end
    if label is not None:
        kind, label_start = label
        weight = LABEL_WEIGHTS[kind]
    elif trailing is not None:
        kind, label_start = "retrospective" if trailing["past"] else "forward", item.start
        weight = LABEL_WEIGHTS[kind]
    elif item.day is None or item.short_year or zone == "middle":
        return None
    elif _standalone(text, item):
        kind, label_start, weight = "bare", item.start, BARE_WEIGHT
    else:
        return None
    score = weight * POSITION_WEIGHTS[zone]
    context = clause if label is not None else text[max(0, item.start - 300) : item.start]
    previous = _PREVIOUS.search(context)
    # "This policy replaces the previous version and is effective ...": the date is the new one's.
    if previous and not _REPLACES.search(context, 0, previous.start()):
        score *= PREVIOUS_PENALTY
    if _BOUNDARY.search(text, clause_start, item.start):
        score *= BOUNDARY_PENALTY
    sentence_end = _SENTENCE_END.search(text, item.end)
    after_end = min(item.end + 60, _line_end(text, item.end))
    if sentence_end:
        after_end = min(after_end, sentence_end.start())
    after = text[item.end : after_end]
    if _CONDITIONAL.search(clause) or _CONDITIONAL.search(after):
        score *= CONDITIONAL_PENALTY
    return _Candidate(item, score, label_start, phrase_end, kind)


def _law_date(clause: str, updated_at: int | None) -> bool:
    """Whether the clause makes the date a legal instrument's ("the Act of 18 July 2002").

    `updated_at` is where a retrospective label starts in the clause, if the date has one.
    """
    laws = list(_LAW.finditer(clause))
    if not laws:
        return False
    last_law = laws[-1]
    between = clause[last_law.end() :]
    if (
        _LAW_CONNECTOR.search(clause)
        and len(between) <= LAW_CONNECTOR_REACH
        and not (_RETROSPECTIVE.search(between) or _FORWARD.search(between))
    ):
        return True
    # "The GDPR took effect May 25, 2018": a law and no policy in the clause, unless the date is
    # labelled as an update after the law's name ("GDPR notice. Last updated: ...").
    labelled_after_law = updated_at is not None and updated_at >= last_law.end()
    return not _POLICY_WORD.search(clause) and not labelled_after_law


def _changelogs(text: str, found: list[_Found], length: int) -> list[_Candidate]:
    """The newest entry of each run of lines opening with a date ("May 2, 2020: added X")."""
    entries = [
        item
        for item in found
        if item.day is not None
        and not text[text.rfind("\n", 0, item.start) + 1 : item.start].strip(" \t*-•_")
        and _CHANGELOG_TAIL.match(text, item.end)
    ]
    runs: list[list[_Found]] = []
    for item in entries:
        if runs and text.count("\n", runs[-1][-1].end, item.start) <= 2:
            runs[-1].append(item)
        else:
            runs.append([item])
    candidates = []
    for run in runs:
        if len(run) < 2:
            continue
        newest = max(run, key=_first_day)
        score = CHANGELOG_WEIGHT * POSITION_WEIGHTS[_zone(run[0].start, length)]
        if _PREVIOUS.search(text, max(0, run[0].start - 300), run[0].start):
            score *= PREVIOUS_PENALTY
        candidates.append(_Candidate(newest, score, newest.start, newest.end, "changelog"))
    return candidates


def _numeric_order(language: str | None, text: str, found: list[_Found]) -> str | None:
    """The order of day and month ("dmy", "mdy") if the page or its language settles it."""
    forced = {item.forced_order for item in found if item.forced_order}
    if len(forced) == 1:
        return forced.pop()
    subtags = (language or "").replace("_", "-").split("-")
    primary = subtags[0].lower()
    # "en-US", "en-Latn-US", "es-419": the region is two letters or three digits, after any script.
    region = next(
        (
            tag.upper()
            for tag in subtags[1:]
            if (len(tag) == 2 and tag.isalpha()) or (len(tag) == 3 and tag.isdigit())
        ),
        "",
    )
    if not primary:
        primary = _guess_language(text)
    if primary != "en":
        return "dmy" if primary else None
    if region:
        return "mdy" if region in MONTH_FIRST_REGIONS else "dmy"
    return None


def _guess_language(text: str) -> str:
    """The language whose commonest words are commonest in `text` ("" when none is)."""
    words = [word.lower() for word in _WORD.findall(text[:5_000])]
    counts = {
        language: sum(word in stopwords for word in words)
        for language, stopwords in _STOPWORD_SETS.items()
    }
    ranked = sorted(counts, key=lambda name: counts[name], reverse=True)
    first, second = counts[ranked[0]], counts[ranked[1]]
    return ranked[0] if first >= 2 and first > second else ""


def _written_order(found: list[_Found]) -> str:
    """The order the page writes its dates with month names in: "mdy" or "dmy" (the default)."""
    month_first = sum(item.written_order == "mdy" for item in found)
    day_first = sum(item.written_order == "dmy" for item in found)
    return "mdy" if month_first > day_first else "dmy"


def _resolve_order(
    candidate: _Candidate, order: str | None, written: str, captured: date | None
) -> None:
    """Read a numeric date day- or month-first: by convention, by the capture date, or flag it."""
    item = candidate.found
    if item.month_first is None:
        return
    day_first = date(item.year, item.month, item.day or 1)
    month_first = date(item.year, *item.month_first)
    looks_back = candidate.label_kind in ("retrospective", "bare", "changelog", "neutral")
    if item.separator == ".":
        order = "dmy"  # dotted dates are European; nobody writes month first with dots
    if order is not None:
        chosen, other = (day_first, month_first) if order == "dmy" else (month_first, day_first)
        if looks_back and captured is not None and chosen > captured >= other:
            chosen = other  # a label saying "updated" can't name a day after the capture
            candidate.capture_decided = True
    elif looks_back and captured is not None and (day_first > captured) != (month_first > captured):
        chosen = day_first if day_first <= captured else month_first
        candidate.capture_decided = True
    else:
        # Nothing settles it: follow the page's habit with month names, else day first, as
        # most of the English-writing world does; "en-US" is what would have said month first.
        chosen = month_first if written == "mdy" else day_first
        candidate.ambiguous = True
    item.month, item.day = chosen.month, chosen.day
    item.month_first = None


def _value(item: _Found) -> str:
    if item.day is None:
        return f"{item.year:04d}-{item.month:02d}"
    return f"{item.year:04d}-{item.month:02d}-{item.day:02d}"


def _first_day(item: _Found) -> date:
    return date(item.year, item.month, item.day or 1)


def date_document(document: Document, captured_at: datetime | None) -> Document:
    """The dating step: the date the policy states for itself, if it states one."""
    found = find_effective_date(document.text, document.language, captured_at)
    if found is None:
        return document
    return replace(
        document,
        effective_date=found.value,
        effective_date_text=found.phrase,
        effective_date_confidence=found.confidence,
        effective_date_ambiguous=found.ambiguous,
        effective_date_after_capture=found.after_capture,
    )


class DatesPipeline(Stage):
    """Dates each capture's Document; a stated date later than the capture is counted."""

    def process_item(self, item):
        if isinstance(item, CaptureItem) and item.document is not None and item.memento:
            item.document = date_document(item.document, item.memento.memento_datetime)
            if item.document.effective_date_after_capture:
                self.crawler.stats.inc_value("policytrail/date_after_capture")
        return item
