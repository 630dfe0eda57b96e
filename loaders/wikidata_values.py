"""Wikibase data values → RDF terms, following the Wikidata Query Service conventions.

See https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format. Every term is built with
pyoxigraph's constructors, and every typed literal is produced from parsed numbers so that no
invalid ``xsd:`` lexical form can leave this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode

from commons_graph.namespaces import GEO, WD, XSD

XSD_DATETIME = NamedNode(XSD + "dateTime")
XSD_DECIMAL = NamedNode(XSD + "decimal")
XSD_INTEGER = NamedNode(XSD + "integer")
WKT_LITERAL = NamedNode(GEO + "wktLiteral")
MATHML = NamedNode("http://www.w3.org/1998/Math/MathML")
EARTH = WD + "Q2"
GREGORIAN = WD + "Q1985727"
JULIAN = WD + "Q1985786"
MEDIA_URI = "http://commons.wikimedia.org/wiki/Special:FilePath/"
COMMONS_DATA_URI = "http://commons.wikimedia.org/data/main/"
#: characters MediaWiki's wfUrlencode leaves alone (besides letters, digits and "-_.~")
WF_SAFE = ";@$!*(),/~:"

PRECISION_MONTH = 10
PRECISION_YEAR = 9
PRECISION_DAY = 11

_TIME = re.compile(r"([+-]?)(\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")
_DECIMAL = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?")

#: MediaWiki's non-standard language codes that are not valid BCP 47 tags (LanguageCode.php)
_NONSTANDARD_LANGUAGES = {
    "zh-classical": "lzh",
    "zh-min-nan": "nan",
    "zh-yue": "yue",
    "be-x-old": "be-tarask",
    "bat-smg": "sgs",
    "fiu-vro": "vro",
    "roa-rup": "rup",
    "roa-tara": "nap-x-tara",
    "cbk-zam": "cbk",
    "map-bms": "jv-x-bms",
    "de-formal": "de-x-formal",
    "es-formal": "es-x-formal",
    "hu-formal": "hu-x-formal",
    "nl-informal": "nl-x-informal",
    "en-rtl": "en-x-rtl",
}
#: sites whose domain is not ``<lang>.<family>.org``: dbname → (host, content language)
_SPECIAL_SITES = {
    "commonswiki": ("commons.wikimedia.org", "en"),
    "specieswiki": ("species.wikimedia.org", "en"),
    "metawiki": ("meta.wikimedia.org", "en"),
    "mediawikiwiki": ("www.mediawiki.org", "en"),
    "wikidatawiki": ("www.wikidata.org", "en"),
    "wikifunctionswiki": ("www.wikifunctions.org", "en"),
    "sourceswiki": ("wikisource.org", "en"),
    "incubatorwiki": ("incubator.wikimedia.org", "en"),
    "outreachwiki": ("outreach.wikimedia.org", "en"),
    "wikimaniawiki": ("wikimania.wikimedia.org", "en"),
    "foundationwiki": ("foundation.wikimedia.org", "en"),
    "be_x_oldwiki": ("be-tarask.wikipedia.org", "be-tarask"),
}
_FAMILIES = (
    "wiktionary",
    "wikibooks",
    "wikinews",
    "wikiquote",
    "wikisource",
    "wikiversity",
    "wikivoyage",
)
_SITE_PREFIX = re.compile(r"[a-z][a-z0-9_]*")

_ENTITY_LETTER = {"item": "Q", "property": "P", "lexeme": "L"}
CACHE_LIMIT = 200_000
ENTITIES: dict[str, NamedNode] = {}
#: caches, read directly by the mapper's hot loops
LANGUAGE_TAGS: dict[str, str] = {}
SITES: dict[str, Site] = {}
#: printable ASCII that may stay as is in an IRI (url values are escaped only if needed)
_IRI_SAFE = "".join(chr(c) for c in range(33, 127) if chr(c) not in '<>"{}|\\^`')
_PLAIN_TITLE = re.compile(r"[A-Za-z0-9_.~;@$!*(),/:-]*")


class ValueFailure(ValueError):
    """A value that cannot be turned into valid RDF; ``path`` says where, relative to the caller."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


def language(code: str) -> str:
    """The language tag used in RDF for a Wikimedia language code (validated once, then cached)."""
    tag = LANGUAGE_TAGS.get(code)
    if tag is not None:
        return tag
    for candidate in (code, _NONSTANDARD_LANGUAGES.get(code.lower())):
        if candidate is None:
            continue
        try:
            Literal("", language=candidate)
        except ValueError:
            continue
        if len(LANGUAGE_TAGS) > 10_000:
            LANGUAGE_TAGS.clear()
        LANGUAGE_TAGS[code] = candidate
        return candidate
    raise ValueFailure(f"language code {code!r} is not a valid BCP 47 language tag")


# --- sitelinks ----------------------------------------------------------------------------------


class Site:
    """Where a sitelink's site lives: article IRI prefix, the site IRI and its language."""

    __slots__ = ("article_prefix", "iri", "language", "language_literal")

    def __init__(self, host: str, lang: str) -> None:
        self.article_prefix = f"https://{host}/wiki/"
        self.iri = NamedNode(f"https://{host}/")
        self.language = lang
        self.language_literal = Literal(lang)


def site(site_id: str) -> Site:
    """The site of a sitelink key such as ``enwiki``, ``zh_min_nanwiki`` or ``frwikivoyage``."""
    known = SITES.get(site_id)
    if known is not None:
        return known
    special = _SPECIAL_SITES.get(site_id)
    if special is not None:
        result = Site(special[0], special[1])
    else:
        family = next((f for f in _FAMILIES if site_id.endswith(f)), None)
        if family is None and site_id.endswith("wiki"):
            family = "wikipedia"
            prefix = site_id[: -len("wiki")]
        else:
            prefix = site_id[: -len(family)] if family else ""
        if family is None or not _SITE_PREFIX.fullmatch(prefix):
            raise ValueFailure(f"unknown site {site_id!r}")
        subdomain = prefix.replace("_", "-")
        result = Site(f"{subdomain}.{family}.org", language(subdomain))
    SITES[site_id] = result
    return result


def article_iri(where: Site, title: str) -> NamedNode:
    """The article's URL as MediaWiki writes it: spaces as '_', then wfUrlencode."""
    path = title.replace(" ", "_")
    if not _PLAIN_TITLE.fullmatch(path):
        path = quote(path, safe=WF_SAFE)
    return NamedNode(where.article_prefix + path)


# --- value types --------------------------------------------------------------------------------


def url_iri(value: str) -> NamedNode:
    """A url-datatype value as an IRI; characters illegal in IRIs are percent-encoded."""
    try:
        return NamedNode(value)
    except ValueError:
        pass
    escaped = quote(value, safe=_IRI_SAFE)
    try:
        return NamedNode(escaped)
    except ValueError:
        raise ValueFailure(f"url {value!r} is not a valid IRI") from None


def media_iri(file_name: str) -> NamedNode:
    return NamedNode(MEDIA_URI + quote(file_name, safe=""))


def commons_data_iri(page: str) -> NamedNode:
    return NamedNode(COMMONS_DATA_URI + quote(page.replace(" ", "_"), safe=WF_SAFE))


def decimal(amount: object) -> Literal:
    """A quantity amount ("+12.50") as an xsd:decimal in canonical form ("12.5"), as stored."""
    match = _DECIMAL.fullmatch(amount) if isinstance(amount, str) else None
    if match is None:
        raise ValueFailure(f"quantity amount {amount!r} is not a decimal number")
    sign, whole, fraction = match.groups()
    whole, fraction = whole.lstrip("0") or "0", (fraction or "").rstrip("0")
    negative = sign == "-" and (whole != "0" or fraction != "")
    text = f"{'-' if negative else ''}{whole}{'.' if fraction else ''}{fraction}"
    return Literal(text, datatype=XSD_DECIMAL)


def _number(value: object, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueFailure(f"{name} {value!r} is not a number")
    text = f"{value:.14G}"  # what PHP prints for a float with precision=14
    if "E" in text or "N" in text or "I" in text:  # exponent, NAN or INF
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueFailure(f"{name} {value!r} is not a finite number")
        text = f"{value:.14f}".rstrip("0").rstrip(".")
    return text


def coordinate(value: dict[str, object]) -> Literal:
    """A globecoordinate as ``"Point(lon lat)"^^geo:wktLiteral``; other globes get an IRI prefix."""
    lon = _number(value["longitude"], "longitude")
    lat = _number(value["latitude"], "latitude")
    globe = value.get("globe") or EARTH
    point = f"Point({lon} {lat})"
    if globe != EARTH:
        if not isinstance(globe, str):
            raise ValueFailure(f"globe {globe!r} is not an IRI")
        point = f"<{NamedNode(globe).value}> {point}"
    return Literal(point, datatype=WKT_LITERAL)


def _days_in_month(year: int, month: int, julian: bool) -> int:
    """``year`` is astronomical (1 BCE = 0)."""
    if month != 2:
        return 30 if month in (4, 6, 9, 11) else 31
    leap = year % 4 == 0 if julian else (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))
    return 29 if leap else 28


def _julian_to_gregorian(year: int, month: int, day: int) -> tuple[int, int, int]:
    """Proleptic Julian → proleptic Gregorian through the Julian day number (astronomical years)."""
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    jdn = day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    f = jdn + 1401 + (((4 * jdn + 274277) // 146097) * 3) // 4 - 38
    e = 4 * f + 3
    h = 5 * ((e % 1461) // 4) + 2
    g_month = (h // 153 + 2) % 12 + 1
    return e // 1461 - 4716 + (14 - g_month) // 12, g_month, (h % 153) // 5 + 1


def date_time(value: dict[str, object]) -> Literal:
    """A Wikibase time value as an xsd:dateTime literal (XSD 1.1 years, as Wikibase writes them).

    Below day precision month and day become 01; impossible days are clamped to the month's last
    day; negative years of year-or-finer precision shift by one (JSON -0001 = 1 BCE = XSD 0000);
    Julian dates of day-or-finer precision are converted to Gregorian.
    """
    time = value["time"]
    precision = value.get("precision", PRECISION_DAY)
    if not isinstance(time, str) or not isinstance(precision, int):
        raise ValueFailure(f"time {time!r} with precision {precision!r} is not a Wikibase time")
    match = _TIME.fullmatch(time)
    if match is None:
        raise ValueFailure(f"time {time!r} is not in the Wikibase format +YYYY-MM-DDThh:mm:ssZ")
    sign, digits, month_s, day_s, hour, minute, second = match.groups()
    if int(hour) > 23 or int(minute) > 59 or int(second) > 59:
        raise ValueFailure(f"time {time!r} has an invalid time of day")
    year = int(digits) * (-1 if sign == "-" else 1)
    month = min(max(int(month_s), 1), 12)
    day = max(int(day_s), 1)
    if precision <= PRECISION_YEAR:
        month = day = 1
    elif precision == PRECISION_MONTH:
        day = 1
    astronomical = year + 1 if year < 0 else year
    if (
        value.get("calendarmodel") == JULIAN
        and precision >= PRECISION_DAY
        and -4712 <= astronomical <= 1_465_072
    ):
        day = min(day, _days_in_month(astronomical, month, julian=True))
        year, month, day = _julian_to_gregorian(astronomical, month, day)
    else:
        day = min(day, _days_in_month(astronomical, month, julian=False))
        if year < 0 and precision >= PRECISION_YEAR:
            year += 1  # XSD 1.1 has a year 0 (1 BCE)
    lexical = (
        f"{'-' if year < 0 else ''}{abs(year):04d}-{month:02d}-{day:02d}T{hour}:{minute}:{second}Z"
    )
    return Literal(lexical, datatype=XSD_DATETIME)


def math(formula: str) -> Literal:
    return Literal(formula, datatype=MATHML)


# --- dispatch on the datavalue type ----------------------------------------------------------


def entity(eid: str) -> NamedNode:
    known = ENTITIES.get(eid)
    if known is None:
        if len(ENTITIES) > CACHE_LIMIT:
            ENTITIES.clear()
        known = ENTITIES[eid] = NamedNode(WD + eid)
    return known


#: string datatypes whose values are plain literals
PLAIN_STRINGS = frozenset({"string", "external-id", "musical-notation", None})


def entity_value(value: dict[str, Any], _datatype: str | None = None) -> NamedNode:
    eid = value.get("id")
    if not isinstance(eid, str):
        eid = f"{_ENTITY_LETTER[value['entity-type']]}{int(value['numeric-id'])}"
    return entity(eid)


def _string_value(value: object, datatype: str | None) -> NamedNode | Literal:
    if not isinstance(value, str):
        raise ValueFailure(f"string value {value!r} is not a string")
    if datatype == "url":
        return url_iri(value)
    if datatype == "commonsMedia":
        return media_iri(value)
    if datatype in ("geo-shape", "tabular-data"):
        return commons_data_iri(value)
    if datatype == "math":
        return math(value)
    return Literal(value)


def _text_value(value: dict[str, Any], _datatype: str | None) -> Literal:
    return Literal(value["text"], language=language(value["language"]))


VALUE_TYPES: dict[str, Callable[[Any, str | None], NamedNode | Literal]] = {
    "wikibase-entityid": entity_value,
    "string": _string_value,
    "monolingualtext": _text_value,
    "time": lambda value, _: date_time(value),
    "quantity": lambda value, _: decimal(value["amount"]),
    "globecoordinate": lambda value, _: coordinate(value),
}
