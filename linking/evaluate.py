"""Scoring the linker against ground truth: the two Co-operatives UK editions with their ids hidden.

The 2017 organisations file and the 2023 standard CSV share 5,540 Co-ops UK ids. :func:`hide_ids`
rewrites both files with the id column replaced by a row label that differs between the files
(``y2017-row-12``), so that neither the ``cg:cuksId`` key nor the entity IRIs can match; the truth is
kept aside, as {record IRI: original id}. :func:`score` compares the links with it. Used by the
accuracy test and by ``make bench``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from commons_graph.iris import Iris
from linking.match import Scored

#: (format, file under shared/data, id column, source name) of the two editions.
EDITIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "coops-uk",
        "coops/coops-uk_open_data_organisations_2017-06.csv",
        "CUK Organisation ID",
        "y2017",
    ),
    ("essglobal-csv", "coops/coops-uk_sea-standard-essglobal_2023-Q2.csv", "Identifier", "y2023"),
)


@dataclass(frozen=True)
class HiddenInput:
    fmt: str
    path: Path
    source: str


def hide_ids(
    shared_data: Path, out_dir: Path, iris: Iris
) -> tuple[list[HiddenInput], dict[str, str]]:
    """Write the two editions with row labels instead of ids; return them and {IRI: true id}."""
    inputs, truth = [], {}
    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt, relative, column, source in EDITIONS:
        src = shared_data / relative
        dst = out_dir / f"{source}.csv"
        with (
            src.open(encoding="utf-8", newline="") as fin,
            dst.open("w", encoding="utf-8", newline="") as fout,
        ):
            reader = csv.DictReader(fin)
            assert reader.fieldnames is not None
            writer = csv.DictWriter(fout, reader.fieldnames, quoting=csv.QUOTE_ALL)
            writer.writeheader()
            for number, row in enumerate(reader, start=1):
                label = f"{source}-row-{number}"
                truth[iris.entity(source, label).value] = row[column].strip()
                row[column] = label
                writer.writerow(row)
        inputs.append(HiddenInput(fmt, dst, source))
    return inputs, truth


@dataclass(frozen=True)
class Score:
    true_pairs: int
    automatic: int
    correct: int
    in_review: int  # true pairs that are not automatic links but are in the review queue

    @property
    def precision(self) -> float:
        return self.correct / self.automatic if self.automatic else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else 1.0

    @property
    def missed(self) -> int:
        """True pairs neither linked nor in the review queue."""
        return self.true_pairs - self.correct - self.in_review


def true_pairs(truth: dict[str, str]) -> set[frozenset[str]]:
    by_id: dict[str, list[str]] = {}
    for iri, ident in truth.items():
        by_id.setdefault(ident, []).append(iri)
    return {frozenset(iris) for iris in by_id.values() if len(iris) == 2}


def score(
    truth: dict[str, str], automatic: Iterable[tuple[str, str]], review: Iterable[tuple[str, str]]
) -> Score:
    """Score automatic links and review pairs (IRI pairs) against the truth."""
    pairs = true_pairs(truth)
    auto = {frozenset(p) for p in automatic if p[0] in truth and p[1] in truth}
    queued = {frozenset(p) for p in review} - auto
    correct = auto & pairs
    return Score(len(pairs), len(auto), len(correct), len((pairs - correct) & queued))


def score_links(truth: dict[str, str], links: Iterable[Scored]) -> Score:
    links = list(links)
    return score(
        truth,
        ((s.a, s.b) for s in links if s.automatic),
        ((s.a, s.b) for s in links if not s.automatic),
    )
