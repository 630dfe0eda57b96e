"""Accuracy of the link step on real data: the two Co-operatives UK editions with their ids hidden.

Both files are rewritten with row labels in place of the Co-ops UK ids (different in each file,
so neither cg:cuksId nor the entity IRIs can match); the true pairs come from the original ids.
The links are read back from the links graph the after-publish hook wrote: records that share an
organisation are automatic links, skos:closeMatch pairs are the review queue.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from commons_graph.iris import Iris
from graph.oxigraph import DiskStore
from linking.evaluate import EDITIONS, Score, hide_ids, score
from linking.review import members, queue
from loaders.pipeline import load
from tests.conftest import SHARED, TEST_BASE, shared_file


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Score:
    for _, relative, _, _ in EDITIONS:
        shared_file(*relative.split("/"))
    tmp = tmp_path_factory.mktemp("accuracy")
    iris = Iris(TEST_BASE)
    inputs, truth = hide_ids(SHARED, tmp / "inputs", iris)
    store = DiskStore(tmp / "store")
    for hidden in inputs:
        load(store, iris, hidden.fmt, str(hidden.path), source=hidden.source, rejects_dir=tmp)
    snapshot = store.snapshot()
    automatic = [
        pair for records in members(snapshot, iris).values() for pair in combinations(records, 2)
    ]
    review = [(row.a, row.b) for row in queue(snapshot, iris)]
    return score(truth, automatic, review)


def test_there_are_5540_true_pairs(scored: Score) -> None:
    assert scored.true_pairs == 5540


def test_automatic_links_are_precise(scored: Score) -> None:
    assert scored.precision >= 0.99, scored


def test_automatic_links_find_nine_in_ten(scored: Score) -> None:
    assert scored.recall >= 0.9, scored


def test_most_remaining_true_pairs_are_in_the_review_queue(scored: Score) -> None:
    remaining = scored.true_pairs - scored.correct
    # The rest are organisations renamed *and* moved between the editions: no key finds them.
    assert scored.in_review >= 0.75 * remaining, scored


def test_hidden_inputs_keep_no_id(tmp_path: Path) -> None:
    shared_file("coops", "coops-uk_open_data_organisations_2017-06.csv")
    inputs, truth = hide_ids(SHARED, tmp_path, Iris(TEST_BASE))
    text = "".join(i.path.read_text(encoding="utf-8") for i in inputs)
    assert "R000001" not in text and "R006884" not in text
    assert len(truth) == 8371 + 7387
