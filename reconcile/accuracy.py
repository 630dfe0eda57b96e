"""Accuracy of the matcher on the shared data, scored with identifiers the matcher never sees.

* **coops**: each Co-operatives UK 2017 organisation's *trading name*, with its postcode, typed with
  the 2023 directory's source graph; the right answer is the 2023 entity with the same Co-ops UK id
  (5,540 ids are shared; the other 2017 rows have no right answer, so any match for them is wrong).
* **glam**: each Open GLAM Survey institution's English name, altered (seeded, so every run is the
  same) by case, accents, word order and one typo, typed with the survey's source graph; the right
  answer is the survey record itself.

Precision is the share of ``match: true`` answers that are right; recall@1 the share of queries
with a right answer whose first candidate is it.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from commons_graph.iris import Iris
from loaders.values import url_slug

#: The source names the shared files are conventionally loaded as.
COOPS_2023 = "coops-uk-2023"
GLAM = "glam-survey"

Query = dict[str, object]
#: Answers a batch of queries: {key: query} → {key: (first candidate IRI or None, match)}.
Answerer = Callable[[dict[str, Query]], dict[str, tuple[str | None, bool]]]


@dataclass(frozen=True)
class Case:
    query: Query
    expected: str | None  # the right entity's IRI; None when there is none


@dataclass(frozen=True)
class Report:
    queries: int
    answerable: int
    matched: int
    right_matches: int
    right_first: int

    @property
    def precision(self) -> float:
        return self.right_matches / self.matched if self.matched else 1.0

    @property
    def recall_at_1(self) -> float:
        return self.right_first / self.answerable if self.answerable else 0.0


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def coops_cases(organisations_2017: Path, standard_2023: Path, iris: Iris) -> list[Case]:
    """Trading name + postcode of every 2017 organisation, against the 2023 directory."""
    ids_2023 = {row["Identifier"].strip() for row in _rows(standard_2023)}
    graph = iris.graph(COOPS_2023).value
    cases: list[Case] = []
    for row in _rows(organisations_2017):
        name = row["Trading Name"].strip() or row["Registered Name"].strip()
        if not name:
            continue
        query: Query = {"query": name, "type": graph}
        if row["Registered Postcode"].strip():
            query["properties"] = [{"pid": "P281", "v": row["Registered Postcode"].strip()}]
        cuk = row["CUK Organisation ID"].strip()
        expected = iris.entity(COOPS_2023, cuk).value if cuk in ids_2023 else None
        cases.append(Case(query, expected))
    return cases


_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "c": "ç", "n": "ñ"}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def alter(name: str, rng: random.Random) -> str:
    """``name`` with its case changed, some letters accented, two words swapped and one typo."""
    words = name.split()
    if len(words) >= 2:
        i, j = rng.sample(range(len(words)), 2)
        words[i], words[j] = words[j], words[i]
    long_words = [k for k, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if long_words:
        k = rng.choice(long_words)
        word = words[k]
        at = rng.randrange(1, len(word) - 1)
        edit = rng.choice(("substitute", "delete", "insert", "transpose"))
        if edit == "substitute":
            word = word[:at] + rng.choice(_LETTERS) + word[at + 1 :]
        elif edit == "delete":
            word = word[:at] + word[at + 1 :]
        elif edit == "insert":
            word = word[:at] + rng.choice(_LETTERS) + word[at:]
        else:
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        words[k] = word
    text = " ".join(words)
    text = "".join(_ACCENTS[c] if c in _ACCENTS and rng.random() < 0.3 else c for c in text.lower())
    case = rng.choice((str.upper, str.lower, str.title, str.swapcase))
    return case(text)


def glam_cases(survey: Path, iris: Iris, seed: int = 2025) -> list[Case]:
    """Altered English names of every survey institution, against the survey."""
    rng = random.Random(seed)
    graph = iris.graph(GLAM).value
    cases: list[Case] = []
    for row in _rows(survey):
        name = row["institution_name_english"].strip() or row["institution_name"].strip()
        if not name or not row["pretty_url"].strip():
            continue
        slug = url_slug(row["pretty_url"].strip())
        assert isinstance(slug, str)
        cases.append(
            Case({"query": alter(name, rng), "type": graph}, iris.entity(GLAM, slug).value)
        )
    return cases


def evaluate(cases: Sequence[Case], answer: Answerer, batch: int = 50) -> Report:
    """Send ``cases`` in batches of ``batch`` and score the answers."""
    matched = right_matches = right_first = 0
    for start in range(0, len(cases), batch):
        chunk = {f"q{i}": c for i, c in enumerate(cases[start : start + batch])}
        answers = answer({k: c.query for k, c in chunk.items()})
        for key, case in chunk.items():
            first, match = answers[key]
            right = first is not None and first == case.expected
            right_first += right
            if match:
                matched += 1
                right_matches += right
    answerable = sum(1 for c in cases if c.expected is not None)
    return Report(len(cases), answerable, matched, right_matches, right_first)
