"""Normal forms of the values the linker compares: names, postcodes, web hosts, numbers.

Each function returns ``None`` (or an empty value) when nothing usable is left, so that a blank or
junk value never becomes a key that many records share.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

#: Words that say what kind of legal body an organisation is, not which one it is.
_NOISE = frozenset(
    [
        "the",
        "limited",
        "ltd",
        "plc",
        "llp",
        "lp",
        "cic",
        "cio",
        "inc",
        "incorporated",
        "company",
        "co",
        "ltee",
        "ag",
        "gmbh",
        "sa",
        "srl",
        "society",
        "soc",
        "community",
        "interest",
    ]
)
_COOP = re.compile(r"\bco\s*-?\s*op(?:erative)?s?\b|\bcooperatives?\b")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_APOSTROPHE = re.compile(r"['\u2018\u2019`]")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")

#: Hosts on which many unrelated organisations have pages: the first path segment names the page.
PLATFORM_HOSTS = frozenset(
    [
        "facebook.com",
        "twitter.com",
        "x.com",
        "instagram.com",
        "linkedin.com",
        "youtube.com",
        "flickr.com",
        "sites.google.com",
        "google.com",
        "groups.google.com",
        "github.com",
        "gitlab.com",
        "medium.com",
        "linktr.ee",
        "eventbrite.co.uk",
        "eventbrite.com",
        "meetup.com",
        "wikipedia.org",
    ]
)
#: Path segments of platform pages that say what kind of page follows, not whose it is.
_PAGE_WORDS = frozenset(
    [
        "pages",
        "pg",
        "groups",
        "people",
        "company",
        "in",
        "channel",
        "c",
        "user",
        "site",
        "sites",
        "view",
        "wiki",
    ]
)


def fold(text: str) -> str:
    """Lower case without accents, punctuation as single spaces."""
    ascii_text = text.casefold()
    if not ascii_text.isascii():  # most names are: they have no accents to take off
        decomposed = unicodedata.normalize("NFKD", ascii_text)
        ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = _APOSTROPHE.sub("", ascii_text).replace("&", " and ")
    return _NON_WORD.sub(" ", ascii_text).strip()


def name_words(name: str) -> tuple[str, ...]:
    """Every word of a name, folded, with every spelling of co-operative as "coop"."""
    return tuple(_COOP.sub(" coop ", fold(name)).split())


def name_tokens(name: str) -> tuple[str, ...]:
    """The distinctive words of a name: "The Paddock Housing Co-operative Ltd" → paddock housing
    coop (legal-form words dropped, every spelling of co-operative as "coop")."""
    return tuple(t for t in name_words(name) if t not in _NOISE)


def name_key(name: str) -> str | None:
    """A name's comparison key: its distinctive words joined; None when none are left."""
    tokens = name_tokens(name)
    return " ".join(tokens) if tokens else None


def name_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Dice coefficient of the two names' word sets (1.0: the same words)."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


def postcode(value: str) -> str | None:
    """A UK postcode without spaces in capitals ("m60 0ag" → "M600AG"); None if it is not one."""
    compact = re.sub(r"\s+", "", value.upper())
    return compact if _POSTCODE.fullmatch(compact) else None


def postcode_district(code: str) -> str:
    """The outward code of a normalised postcode ("M600AG" → "M60")."""
    match = _POSTCODE.fullmatch(code)
    return match.group(1) if match else code


def postcode_area(code: str) -> str:
    """The letters that start a normalised postcode: its area ("M600AG" → "M", "SK116BA" → "SK")."""
    return code[:2] if code[1:2].isalpha() else code[:1]


def _host_and_path(url: str) -> tuple[str, list[str]] | None:
    """The host of a URL without "www." and the port, and its path segments in lower case."""
    try:
        parts = urlsplit(url.strip() if "//" in url else f"//{url.strip()}")
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    host = host.removeprefix("www.")
    if "." not in host:
        return None
    return host, [s.lower() for s in parts.path.split("/") if s]


def _platform(host: str) -> str | None:
    """The platform host that ``host`` is or is under, the most specific first: sites.google.com,
    not google.com."""
    labels = host.split(".")
    suffixes = (".".join(labels[i:]) for i in range(len(labels) - 1))
    return next((s for s in suffixes if s in PLATFORM_HOSTS), None)


def web_key(url: str) -> str | None:
    """The host of a website without "www." and the port; on a platform host (Facebook, Google
    Sites, …) the host plus the first path segment, which names the organisation's page."""
    if (found := _host_and_path(url)) is None:
        return None
    host, segments = found
    if (platform := _platform(host)) is not None:
        segment = next((s for s in segments if s not in _PAGE_WORDS), None)
        return f"{platform}/{segment}" if segment else None
    return host


def web_page(url: str) -> str | None:
    """A page of a website that is not a platform: its host and first path segment
    ("chibah.org/monkey-puzzle"), which may be named after an organisation the site hosts; None
    for a site's home page."""
    if (found := _host_and_path(url)) is None:
        return None
    host, segments = found
    return f"{host}/{segments[0]}" if segments and _platform(host) is None else None


def registered_number(value: str) -> str | None:
    """A registered number without spaces and leading zeros, in capitals ("02668295" → "2668295",
    "525r" → "525R")."""
    compact = re.sub(r"[\s.-]+", "", value.upper())
    stripped = compact.lstrip("0")
    return stripped or None
