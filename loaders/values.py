"""Named value parsers that mappings refer to with ``parse = "..."``.

A parser takes the cell text (already stripped, never empty) and returns the value to map, a list
of values, or ``None`` for "unknown". It raises ``ValueError`` with a reason when the text is not a
valid value of its kind; the mapping says what happens then (reject the row, drop the value, or
keep the raw text under another predicate).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

Parsed = str | list[str] | None
Parser = Callable[[str], Parsed]

#: Cell texts that mean "unknown" in the sources.
UNKNOWN = frozenset({"None", "N/A", "n/a", "Information needed", "Unknown", "-"})

_QID = re.compile(r"(?:wikidata\.org/(?:wiki|entity)/(?:Special:EntityPage/)?)?(Q[1-9][0-9]*)$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_INT = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_YEAR = re.compile(r"^\d{4}$")
_HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)$")
#: ASCII characters that RFC 3987 does not allow in an IRI's path, query or fragment
_NOT_IRI = re.compile(r'["<>\[\]{}|\\^`]')


def _iri_safe(url: str, parts: SplitResult) -> str:
    """Percent-encode what browsers encode too (``[ ] { } "`` ...) after the authority
    (``parts``: ``urlsplit(url)``, which the callers have made already)."""
    head = f"{parts.scheme}://{parts.netloc}"
    if not url.startswith(head):
        return url
    return head + _NOT_IRI.sub(lambda m: f"%{ord(m.group()):02X}", url[len(head) :])


def text(value: str) -> Parsed:
    return None if value in UNKNOWN else value


def dmy_date(value: str) -> Parsed:
    """``11/8/1863`` (day/month/year) → ``1863-08-11``."""
    match = _DMY.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a day/month/year date")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError as err:
        raise ValueError(f"{value!r} is not a valid date ({err})") from None


def thousands_int(value: str) -> Parsed:
    """``319,661`` → ``319661``; anything else is not a count."""
    if value in UNKNOWN:
        return None
    if not _INT.match(value):
        raise ValueError(f"{value!r} is not a count")
    return value.replace(",", "")


def decimal(value: str) -> Parsed:
    """A plain decimal number (``51.608344``, ``-3.65``), as xsd:decimal writes it."""
    if not _DECIMAL.match(value):
        raise ValueError(f"{value!r} is not a decimal number")
    return value


def year(value: str) -> Parsed:
    """A four-digit year (xsd:gYear)."""
    if value in UNKNOWN:
        return None
    if not _YEAR.match(value):
        raise ValueError(f"{value!r} is not a year")
    return value


def python_list(value: str) -> Parsed:
    """A Python list literal of strings, e.g. ``['Public Domain Mark', 'CC BY']``."""
    return list(_string_list(value))


@lru_cache(maxsize=4096)
def _string_list(value: str) -> tuple[str, ...]:
    """:func:`python_list`, kept per distinct cell (the survey repeats a few dozen rights lists
    across its rows, and ``ast.literal_eval`` compiles each one)."""
    try:
        items = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        raise ValueError(f"{value!r} is not a list literal") from None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{value!r} is not a list of strings")
    return tuple(i.strip() for i in items if i.strip())


def wikidata_qid(value: str) -> Parsed:
    """``https://www.wikidata.org/wiki/Q42``, ``…/entity/Q42`` or ``Q42`` → ``Q42``.

    Any other URL (a Wikipedia article, say) is not a Wikidata id."""
    if value in UNKNOWN:
        return None
    match = _QID.search(value.rstrip("/"))
    if not match or not (match.start() == 0 or urlsplit(value).netloc.endswith("wikidata.org")):
        raise ValueError(f"{value!r} is not a Wikidata item URL")
    return match.group(1)


def web_url(value: str) -> Parsed:
    """A website: ``www.example.coop`` gets ``http://``; spaces or no host are errors."""
    if value in UNKNOWN:
        return None
    candidate = value if "://" in value else f"http://{value}"
    parts = urlsplit(candidate)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in candidate:
        raise ValueError(f"{value!r} is not a web address")
    return _iri_safe(candidate, parts)


def postcode(value: str) -> Parsed:
    """UK postcodes in upper case with one space before the inward code."""
    compact = re.sub(r"\s+", "", value.upper())
    if len(compact) < 5 or len(compact) > 8:
        raise ValueError(f"{value!r} is not a UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def essglobal_iri(value: str) -> Parsed:
    """ESSGlobal concept IRIs, dev or live, rebased onto ``https://lod.coop/essglobal/2.1/``."""
    for prefix in ("https://dev.lod.coop/essglobal/2.1/", "http://purl.org/essglobal/"):
        if value.startswith(prefix):
            return "https://lod.coop/essglobal/2.1/" + value[len(prefix) :]
    if value.startswith("https://lod.coop/essglobal/2.1/"):
        return value
    raise ValueError(f"{value!r} is not an ESSGlobal 2.1 concept IRI")


def sic07(value: str) -> Parsed:
    """``UKSIC07-4711`` or ``4711`` → ``4711``."""
    code = value.removeprefix("UKSIC07-")
    if not code.isdigit():
        raise ValueError(f"{value!r} is not a UK SIC 2007 code")
    return code


def wikipedia_url(value: str) -> Parsed:
    """A Wikipedia article URL, kept as it is; a Wikidata URL or QID is not one (``None``)."""
    parts = urlsplit(value)
    if value in UNKNOWN or parts.netloc.endswith("wikidata.org") or _QID.match(value):
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc.endswith(".wikipedia.org"):
        raise ValueError(f"{value!r} is not a Wikipedia article URL")
    return value


def url_slug(value: str) -> Parsed:
    """The last path segment of a URL: ``https://survey.glamelab.org/institutions/x`` → ``x``."""
    parts = urlsplit(value)
    slug = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if parts.scheme not in ("http", "https") or not parts.netloc or not slug:
        raise ValueError(f"{value!r} is not a URL ending in a slug")
    return slug


def social_handle(value: str) -> Parsed:
    """An account handle: ``@coop``, ``coop`` or ``https://twitter.com/coop`` → ``coop``."""
    if value in UNKNOWN:
        return None
    if "://" in value:
        value = urlsplit(value).path.strip("/").split("/")[0]
    match = _HANDLE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not an account handle")
    return match.group(1)


def http_iri(value: str) -> Parsed:
    if value in UNKNOWN:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError(f"{value!r} is not an http(s) IRI")
    return _iri_safe(value, parts)


PARSERS: dict[str, Parser] = {
    "text": text,
    "dmy_date": dmy_date,
    "thousands_int": thousands_int,
    "decimal": decimal,
    "year": year,
    "wikipedia_url": wikipedia_url,
    "url_slug": url_slug,
    "social_handle": social_handle,
    "python_list": python_list,
    "wikidata_qid": wikidata_qid,
    "web_url": web_url,
    "postcode": postcode,
    "essglobal_iri": essglobal_iri,
    "sic07": sic07,
    "http_iri": http_iri,
}
