"""Whether "04/08/2011" is April 8 or 4 August: decided from the page's evidence, which is named.

From strongest to weakest: another numeric date on the page that has only one reading (a day
over 12); dots as separators (European: OTA's LOVOO writes "02.01.2025" on an `en-US` page);
the page's declared language and region (`en-US` month first, `en-GB` or `de` day first); the
country its URL names (`.co.uk`, `uk.match.com`, `/en-gb/`); how the page writes dates with
month names ("14 January 2015" is a day-first writer); English with no sign of a day-first
region (month first). A label that looks back ("last updated") cannot name a day
after the capture, which overrules all but the first; an "effective" date can lie ahead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipelines.dates.found import Found

# Region subtags whose convention puts the month first (CLDR short date patterns: "M/d/yy").
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"})
# Country-code domains of English-writing countries that put the day first (CLDR en_GB, en_IE,
# en_AU, en_NZ, en_IN, en_ZA, en_SG...); `.us` and `.ph` the month.
DAY_FIRST_HOSTS = frozenset(
    {"uk", "gb", "ie", "au", "nz", "in", "za", "sg", "my", "pk", "ng", "ke", "mt"}
)
MONTH_FIRST_HOSTS = frozenset({"us", "ph"})

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Order:
    order: str | None  # "dmy", "mdy", or None when nothing on the page decides
    evidence: str  # what decided, in words: "declared language en-GB"
    decisive: bool = False  # a date with one reading only: not even the capture overrules it


def _region(language: str | None) -> tuple[str, str]:
    """The primary language and region subtags of a BCP 47 tag: "en-Latn-US" -> ("en", "US")."""
    subtags = (language or "").replace("_", "-").split("-")
    region = next(
        (
            tag.upper()
            for tag in subtags[1:]
            if (len(tag) == 2 and tag.isalpha()) or (len(tag) == 3 and tag.isdigit())
        ),
        "",
    )
    return subtags[0].lower(), region


_LOCALE_SEGMENT = re.compile(r"^[a-z]{2}[-_](?P<region>[a-z]{2})$", re.IGNORECASE)


def _url_country(url: str | None) -> str:
    """The country a URL names: its country-code domain, a first host label that is one
    ("uk.match.com"), or a locale in its path ("/hc/en-gb/"); "" for none."""
    parts = urlsplit(url or "")
    labels = (parts.hostname or "").lower().split(".")
    if len(labels) < 2:
        return ""
    for segment in parts.path.split("/"):
        locale = _LOCALE_SEGMENT.match(segment)
        if locale:
            return locale["region"].lower()
    if labels[-1] in DAY_FIRST_HOSTS | MONTH_FIRST_HOSTS:
        return labels[-1]
    if len(labels) > 2 and labels[0] in DAY_FIRST_HOSTS | MONTH_FIRST_HOSTS - {"in"}:
        return labels[0]  # "in." is a word as often as India
    return labels[-1] if len(labels[-1]) == 2 else ""


def numeric_order(
    found: list[Found], language: str | None, declared: str | None = None, url: str | None = None
) -> Order:
    """The order of day and month on this page, and the evidence for it.

    `found` are the page's dates that are not incidental (a law's, a version number), `language`
    the text's language ("en"), `declared` the page's own tag ("en-GB"; its region counts only
    for an English text), `url` where it was captured from.
    """
    forced = {item.forced_order for item in found if item.forced_order}
    if len(forced) == 1:
        order = forced.pop()
        witness = next(item for item in found if item.forced_order == order)
        return Order(order, f"a date on the page has only one reading (day {witness.day})", True)
    numeric = [item for item in found if item.month_first is not None]
    if numeric and all(item.separator == "." for item in numeric):
        return Order("dmy", "dots between day and month: a European writer")
    primary, region = _region(declared)
    text_language = _region(language)[0]
    if primary and primary != "en" and primary == text_language:
        return Order("dmy", f"declared language {declared}: day first")
    if primary == "en" and region and text_language in ("", "en"):
        order = "mdy" if region in MONTH_FIRST_REGIONS else "dmy"
        return Order(order, f"declared language {declared}")
    if text_language and text_language != "en":
        return Order("dmy", f"language {text_language}: day first")
    country = _url_country(url)
    if country in DAY_FIRST_HOSTS:
        return Order("dmy", f"the URL names a day-first country ({country})")
    if country in MONTH_FIRST_HOSTS:
        return Order("mdy", f"the URL names a month-first country ({country})")
    written = [item.written_order for item in found if item.written_order in ("dmy", "mdy")]
    if written and written.count("dmy") > written.count("mdy"):
        return Order("dmy", "the page writes dates day first with month names")
    if text_language == "en":
        return Order("mdy", "English with no sign of a day-first region")
    return Order(None, "")
