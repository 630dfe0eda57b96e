"""A careful SPARQL tokenizer: finds SERVICE and LOAD targets and WITH/USING/WHERE positions.

pyoxigraph has no algebra API in Python, so the endpoint checks the text itself. The scanner:

* first undoes ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes everywhere, as SPARQL does before parsing
  (so ``SERV\\u0049CE`` cannot slip through);
* skips comments, strings (all four quote styles, with escapes) and IRIs, so keywords inside them
  never count, and keywords hidden in them are never missed;
* tells the bare keyword ``SERVICE`` from prefixed names such as ``ex:service``;
* resolves each target (``<iri>``, a relative IRI against BASE, or a prefixed name) to an absolute
  IRI. A variable target (``SERVICE ?endpoint``) cannot be checked and resolves to ``None``.

:func:`remote_targets` is what the guard uses; :func:`add_using` uses the same tokens to apply the
protocol's ``using-graph-uri`` and ``using-named-graph-uri`` to an update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from pyoxigraph import NamedNode

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>(?:[^\W\d_][\w.\-\u00B7]*)?:(?:[\w:%\\\-.\u00B7]|%[0-9A-Fa-f]{2})*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int  # brace depth before the token


def unescape(text: str) -> str:
    """Undo SPARQL's codepoint escapes (``\\u`` and ``\\U``), which apply to the whole query."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (no whitespace or comments), with brace depth."""
    out: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in {"ws", "comment"}:
            continue
        value = match.group()
        if kind == "pname" and value.endswith("."):  # a triple's final dot is not part of a name
            value = value.rstrip(".")
        out.append(Token(kind, value, match.start(), depth))
        if value == "{":
            depth += 1
        elif value == "}":
            depth = max(depth - 1, 0)
    return out


def _is(token: Token, keyword: str) -> bool:
    return token.kind == "word" and token.text.upper() == keyword


class _Resolver:
    """Tracks BASE and PREFIX declarations in token order, and resolves IRIs and names."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.prefixes: dict[str, str] = {}

    def iri(self, token: Token) -> str | None:
        if token.kind == "iri":
            value = token.text[1:-1]
            return urljoin(self.base, value) if self.base else value
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = self.prefixes.get(prefix)
            return None if namespace is None else namespace + local.replace("\\", "")
        return None

    def declare(self, toks: list[Token], i: int) -> None:
        if _is(toks[i], "BASE") and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            self.base = self.iri(toks[i + 1])
        elif _is(toks[i], "PREFIX") and i + 2 < len(toks) and toks[i + 1].kind == "pname":
            namespace = self.iri(toks[i + 2])
            if namespace is not None:
                self.prefixes[toks[i + 1].text.rstrip(":")] = namespace


def remote_targets(text: str, base: str | None = None) -> list[tuple[str, str | None]]:
    """Every ``("SERVICE" | "LOAD", target IRI or None)`` in a query or update.

    A cheap substring test skips the tokenizer for the common query with neither keyword.
    """
    text = unescape(text)
    upper = text.upper()
    if "SERVICE" not in upper and "LOAD" not in upper:
        return []
    toks = tokens(text)
    resolver = _Resolver(base)
    found: list[tuple[str, str | None]] = []
    for i, tok in enumerate(toks):
        resolver.declare(toks, i)
        if _is(tok, "SERVICE") or _is(tok, "LOAD"):
            j = i + 1
            if j < len(toks) and _is(toks[j], "SILENT"):
                j += 1
            target = resolver.iri(toks[j]) if j < len(toks) else None
            found.append((tok.text.upper(), target))
    return found


def names_dataset(query: str) -> bool:
    """Whether a query has its own dataset clause (``FROM`` or ``FROM NAMED``).

    Such a query must be evaluated on that dataset, never on the endpoint's union default graph.
    A cheap substring test skips the tokenizer for the common query without ``FROM``.
    """
    query = unescape(query)
    if "FROM" not in query.upper():
        return False
    return any(_is(t, "FROM") for t in tokens(query))


def dataset_clauses(text: str) -> bool:
    """Whether an update has a WITH or USING clause of its own."""
    return any(_is(t, "WITH") or _is(t, "USING") for t in tokens(unescape(text)))


def add_using(text: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> str:
    """``text`` with ``USING <g>`` / ``USING NAMED <g>`` before the WHERE of each DELETE/INSERT.

    This is the protocol's ``using-graph-uri``/``using-named-graph-uri``. The IRIs are built as
    ``NamedNode`` terms (which validates them), never spliced as text. ``DELETE WHERE`` and the
    ``DATA`` forms take no USING and are left alone.
    """
    clause = " ".join(
        [f"USING {NamedNode(g)}" for g in default_graphs]
        + [f"USING NAMED {NamedNode(g)}" for g in named_graphs]
    )
    text = unescape(text)
    toks = tokens(text)
    inserts: list[int] = []
    for i, tok in enumerate(toks):
        if _is(tok, "WHERE") and tok.depth == 0 and i > 0 and not _is(toks[i - 1], "DELETE"):
            inserts.append(tok.start)
    for position in reversed(inserts):
        text = f"{text[:position]}{clause} {text[position:]}"
    return text
