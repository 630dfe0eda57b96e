"""Review-only keys: pairs of records that no key of :mod:`linking.match` links (or that it scores
too low to show), but that a reviewer should see. They never become automatic links.

They are looked for after the automatic links are merged, and only between records whose
organisations could still be merged: neither organisation holds a record of a source the other
holds (a source lists each organisation once, so a record already linked to a record of that
source is taken). That keeps the queue short. Only records that their source types as
organisations take part: a Wikidata item of the sample may be a place, a concept or a category,
and the other keys link it by its QID. Two keys:

* ``similar-name``: the names are alike once every word is weighted by how rare it is among all the
  records' names, so that "housing co-op" counts for little and "Ekopia" for much; a word also
  matches a slightly misspelt one ("llmington" and "ilmington") and two words written as one ("Cwm
  Harry" and "CwmHarry"). The closer the records, the less alike the names must be:
  :data:`IN_DISTRICT` in one postcode district (where the words that several organisations of the
  district use, mostly its place names, do not count), :data:`IN_AREA` in one postcode area, and
  :data:`ANYWHERE` anywhere. Outside a district, the two names must share a word that few records
  use (:data:`AREA_BLOCK` in the area, :data:`WORD_BLOCK` anywhere).
* ``web-name``: one record's website is named after the other record ("gowerpower.coop" and "Gower
  Power Energy Co-operative"; "ekopia.org.uk" and "Ekopia Resource Exchange").
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from itertools import combinations, pairwise

from linking import normalise as norm
from linking.match import Scored
from linking.records import Record

#: The review keys, for ``disabled_keys`` (see :data:`linking.match.KEYS` for the others).
REVIEW_KEYS = ("similar-name", "web-name")
#: How alike the names must be (see :meth:`Words.similarity`) in one postcode district, in one
#: postcode area, and anywhere.
IN_DISTRICT, IN_AREA, ANYWHERE = 0.2, 0.6, 0.7
#: A word that more records of a postcode area use is too common to pair them in the area, and
#: one that more records use anywhere too common to pair them anywhere.
AREA_BLOCK, WORD_BLOCK = 40, 10
#: A website named shorter than this says too little ("bbc", "ymca").
MIN_WEB_NAME = 6
#: A website name that more records of one source start their names with names none of them.
MAX_NAMED = 3
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
#: Host labels of institutions whose sites are named after a place: universities, schools,
#: libraries, governments ("dundee.ac.uk", "granville.lib.nc.us").
_INSTITUTIONAL = frozenset(["ac", "edu", "gov", "lib", "sch", "nhs", "mil", "k12"])


@cache
def _trigrams(word: str) -> frozenset[str]:
    return frozenset(word[i : i + 3] for i in range(len(word) - 2))


def _close(x: str, y: str) -> bool:
    """Two words of 5 letters or more spelt nearly alike (Dice of their letter trigrams >= 0.6)."""
    gx, gy = _trigrams(x), _trigrams(y)
    return 2 * len(gx & gy) >= 0.6 * (len(gx) + len(gy))


class Words:
    """How rare each word of the records' names is: log(records / records that use the word)."""

    def __init__(self, records: Iterable[Record]) -> None:
        used: Counter[str] = Counter()
        count = 0
        for rec in records:
            count += 1
            used.update(rec.words)
        self.used = used
        self.weight = {w: math.log(count / n) for w, n in used.items()}

    def similarity(
        self, x: tuple[str, ...], y: tuple[str, ...], ignored: frozenset[str] = frozenset()
    ) -> float:
        """Dice of the two names' words, each counted by its weight, from 0 (no word alike) to 1
        (the same words); ``ignored`` words count for nothing. Words match when they are equal,
        when two words of one name are written as one in the other, or when they are spelt nearly
        alike."""
        weight = self.weight

        def w(word: str) -> float:
            return 0.0 if word in ignored else weight.get(word, 0.0)

        sx, sy = set(x), set(y)
        total = sum(map(w, sx)) + sum(map(w, sy))
        if total <= 0:
            return 0.0
        shared = sx & sy
        matched = 2 * sum(map(w, shared))
        rest_x, rest_y = sx - shared, sy - shared
        for seq, rest, other in ((x, rest_x, rest_y), (y, rest_y, rest_x)):
            for first, second in pairwise(seq):
                joined = first + second
                if joined in other and first in rest and second in rest:
                    other.discard(joined)
                    rest.difference_update((first, second))
                    matched += w(first) + w(second) + w(joined)
        long_y = sorted(u for u in rest_y if len(u) >= 5)
        for word in sorted(v for v in rest_x if len(v) >= 5):
            close = next((u for u in long_y if _close(word, u)), None)
            if close is not None:
                long_y.remove(close)
                matched += w(word) + w(close)
        return min(1.0, matched / total)

    def best(self, a: Record, b: Record, ignored: frozenset[str] = frozenset()) -> float:
        """The similarity of the two records' most alike names."""
        xs, ys = dict.fromkeys(a.tokens), dict.fromkeys(b.tokens)  # each name once, in order
        return max((self.similarity(x, y, ignored) for x in xs for y in ys), default=0.0)


class _Finder:
    """Collects the pairs of records that could still be merged and are not known yet."""

    def __init__(self, records: list[Record], root: dict[str, str], known: set[frozenset[str]]):
        self.known = known
        self.root = root
        self.sources: dict[str, set[str]] = defaultdict(set)  # organisation -> its sources
        for rec in records:
            self.sources[root[rec.iri]].add(rec.source)
        # record -> the sources its organisation holds
        self.holds = {id(rec): self.sources[root[rec.iri]] for rec in records}
        self.pairs: dict[tuple[str, str, str, str], tuple[Record, Record]] = {}

    def offer(self, x: Record, y: Record) -> tuple[Record, Record] | None:
        """The pair (ordered by IRI and graph) if it is new and could be merged."""
        a, b = (x, y) if (x.iri, x.graph) < (y.iri, y.graph) else (y, x)
        ident = (a.iri, a.graph, b.iri, b.graph)
        if ident in self.pairs or a.iri == b.iri or a.source == b.source:
            return None
        if self.holds[id(a)] & self.holds[id(b)] or self.root[a.iri] == self.root[b.iri]:
            return None
        if frozenset((a.iri, b.iri)) in self.known:
            return None
        self.pairs[ident] = (a, b)
        return a, b

    def offer_blocks(self, blocks: Iterable[list[Record]], limit: int) -> None:
        """Offer the pairs of each block of at most ``limit`` records whose records of two sources
        are both open to the other's source (their organisations hold no record of it yet)."""
        holds = self.holds
        for recs in blocks:
            if not 1 < len(recs) <= limit:
                continue
            by_source: dict[str, list[Record]] = defaultdict(list)
            for rec in recs:
                by_source[rec.source].append(rec)
            if len(by_source) < 2:
                continue
            for s, t in combinations(sorted(by_source), 2):
                ys = [r for r in by_source[t] if s not in holds[id(r)]]
                for x in by_source[s]:
                    if t not in holds[id(x)]:
                        for y in ys:
                            self.offer(x, y)


def _crowded_webs(records: list[Record]) -> set[str]:
    """Websites that more than two records of one source use (a platform's category page, a
    federation's site): named after none of them. (Two records may share a website and still be
    a pair to review: a society and its trading company.)"""
    users = Counter((rec.source, web) for rec in records for web in rec.webs | rec.pages)
    return {web for (_, web), n in users.items() if n > 2}


def _web_names(rec: Record, crowded: set[str]) -> dict[str, str]:
    """{name: website} of what the record's websites are named: the first label of each host that
    is not a public suffix ("gowerpower" of gowerpower.coop, "cultivate" of cultivate.uk.com), or
    the first path segment of a page ("monkeypuzzle" of chibah.org/monkey-puzzle, or of a platform
    page); without punctuation. An institution's host names a place."""
    found: dict[str, str] = {}
    for web in sorted((rec.webs | rec.pages) - crowded):
        host, _, page = web.partition("/")
        labels = host.split(".")
        if _INSTITUTIONAL.intersection(labels):
            continue
        if page:
            name = page
        else:
            labels = labels[:-1]  # the top-level domain
            while len(labels) > 1 and len(labels[-1]) <= 3:  # co.uk, org.uk, uk.com, …
                labels = labels[:-1]
            name = labels[-1]
        if len(name := _NOT_ALNUM.sub("", name)) >= MIN_WEB_NAME:
            found.setdefault(name, web)
    return found


def _web_name_links(records: list[Record], finder: _Finder, words: Words) -> list[Scored]:
    """Pairs of a record whose website is named after the start of the other's name: two words
    or more of it run together, or one word that at most :data:`MAX_NAMED` records use."""
    crowded = _crowded_webs(records)
    webs = {
        (r.iri, r.graph): names
        for r in records
        if (r.webs or r.pages) and (names := _web_names(r, crowded))
    }
    wanted = {name for names in webs.values() for name in names}
    longest = max(map(len, wanted), default=0)
    named: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        starts = set()
        for tokens in rec.tokens:
            if tokens and tokens[0] in wanted and words.used[tokens[0]] <= MAX_NAMED:
                starts.add(tokens[0])
            start = tokens[0] if tokens else ""
            for word in tokens[1:]:
                if len(start := start + word) > longest:
                    break
                if start in wanted:
                    starts.add(start)
        for start in starts:
            named[start].append(rec)
    found = []
    for rec in records:
        for name, web in webs.get((rec.iri, rec.graph), {}).items():
            others = named.get(name, [])
            per_source = Counter(other.source for other in others)
            for other in others:
                if per_source[other.source] > MAX_NAMED:  # a place ("bristol" of bristol.ac.uk)
                    continue
                if (pair := finder.offer(rec, other)) is not None:
                    evidence = [f"website {web} is named after {other.label}"]
                    found.append(_scored(*pair, 0.6, "web-name", evidence))
    return found


def _similar_name_links(records: list[Record], finder: _Finder, weights: Words) -> list[Scored]:
    """Pairs in one postcode district, or sharing a word in one postcode area or anywhere, whose
    names are alike enough for how close they are."""
    offered = len(finder.pairs)
    districts: dict[str, list[Record]] = defaultdict(list)
    area_words: dict[tuple[str, str], list[Record]] = defaultdict(list)
    any_words: dict[str, list[Record]] = defaultdict(list)
    places: dict[int, tuple[set[str], set[str]]] = {}  # id(record) -> (districts, areas)
    for rec in records:
        words = rec.words
        in_districts = {norm.postcode_district(c) for c in rec.postcodes}
        in_areas = {norm.postcode_area(d) for d in in_districts}
        places[id(rec)] = in_districts, in_areas
        for district in in_districts:
            districts[district].append(rec)
        for area in in_areas:
            for word in words:
                area_words[(area, word)].append(rec)
        for word in words:
            any_words[word].append(rec)
    finder.offer_blocks(districts.values(), len(records))
    finder.offer_blocks(area_words.values(), AREA_BLOCK)
    finder.offer_blocks(any_words.values(), WORD_BLOCK)

    @cache
    def place_words(district: str) -> frozenset[str]:
        """The words that several organisations of one source in the district use."""
        used = Counter((rec.source, w) for rec in districts[district] for w in rec.words)
        return frozenset(w for (_, w), n in used.items() if n > 1)

    found = []
    for a, b in list(finder.pairs.values())[offered:]:
        if not _may_match(a, b):
            continue
        (districts_a, areas_a), (districts_b, areas_b) = places[id(a)], places[id(b)]
        if shared := districts_a & districts_b:
            district = min(shared)
            alike = weights.best(a, b, place_words(district))
            if alike >= IN_DISTRICT:
                found.append(_similar(a, b, alike, f"postcode district {district}"))
            continue  # without its place words, a name alike in the district is not alike
        alike = weights.best(a, b)
        if alike >= IN_AREA and (shared := areas_a & areas_b):
            found.append(_similar(a, b, alike, f"postcode area {min(shared)}"))
        elif alike >= ANYWHERE:
            found.append(_similar(a, b, alike, None))
    return found


def _may_match(a: Record, b: Record) -> bool:
    """Some word of one record's names matches one of the other's (see Words.similarity)."""
    wa, wb = a.words, b.words
    if wa & wb:
        return True
    for seq, other in ((a.tokens, wb), (b.tokens, wa)):
        if any(x + y in other for t in seq for x, y in pairwise(t)):
            return True
    long_b = [u for u in wb if len(u) >= 5]
    return any(_close(w, u) for w in wa if len(w) >= 5 for u in long_b)


def _similar(a: Record, b: Record, alike: float, where: str | None) -> Scored:
    evidence = [f"name similarity {alike:.2f} (words weighted by rarity)"]
    if where is not None:
        evidence.append(where)
    return _scored(a, b, 0.5 + 0.3 * alike, "similar-name", evidence)


def _scored(a: Record, b: Record, confidence: float, method: str, evidence: list[str]) -> Scored:
    return Scored(a.iri, b.iri, round(confidence, 3), method, tuple(evidence))


def review_links(
    records: list[Record],
    root: dict[str, str],
    known: set[frozenset[str]],
    disabled: frozenset[str] = frozenset(),
) -> list[Scored]:
    """Review-only links (see the module doc) between records of different organisations
    (``root``: record IRI -> its organisation) that could still be merged, other than the
    ``known`` pairs."""
    organisations = [r for r in records if r.organisation]
    finder = _Finder(organisations, root, known)
    words = Words(organisations)
    found = []
    if "web-name" not in disabled:  # first: a pair both keys find is a web-name link
        found.extend(_web_name_links(organisations, finder, words))
    if "similar-name" not in disabled:
        found.extend(_similar_name_links(organisations, finder, words))
    return sorted(found, key=lambda s: (s.a, s.b))
