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
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = _APOSTROPHE.sub("", ascii_text).replace("&", " and ")
    return _NON_WORD.sub(" ", ascii_text).strip()


def name_tokens(name: str) -> tuple[str, ...]:
    """The distinctive words of a name: "The Paddock Housing Co-operative Ltd" → paddock housing
    coop (legal-form words dropped, every spelling of co-operative as "coop")."""
    folded = _COOP.sub(" coop ", fold(name))
    return tuple(t for t in folded.split() if t not in _NOISE)


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


def web_key(url: str) -> str | None:
    """The host of a website without "www." and the port; on a platform host (Facebook, Google
    Sites, …) the host plus the first path segment, which names the organisation's page."""
    try:
        parts = urlsplit(url.strip() if "//" in url else f"//{url.strip()}")
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    host = host.removeprefix("www.")
    if "." not in host:
        return None
    platform = next((p for p in PLATFORM_HOSTS if host == p or host.endswith(f".{p}")), None)
    if platform is not None:
        segments = [s.lower() for s in parts.path.split("/") if s]
        segment = next((s for s in segments if s not in _PAGE_WORDS), None)
        return f"{platform}/{segment}" if segment else None
    return host


def registered_number(value: str) -> str | None:
    """A registered number without spaces and leading zeros, in capitals ("02668295" → "2668295",
    "525r" → "525R")."""
    compact = re.sub(r"[\s.-]+", "", value.upper())
    stripped = compact.lstrip("0")
    return stripped or None
