"""The ``wikidata`` format: Wikibase entity JSON → the Wikidata Query Service's RDF model.

Accepted layouts, detected from the first non-blank line:

* the official JSON dump (``latest-all.json``): a line ``[``, then one entity per line, each but
  the last ending in ``,``, then ``]``. It is streamed line by line in constant memory;
* a single entity object, possibly pretty-printed (``Q42.json``), or a JSON array on one line;
* a ``Special:EntityData`` / ``wbgetentities`` response ``{"entities": {"Q1": {...}, ...}}``.

The last two are read whole. The mapping itself is in :mod:`loaders.wikidata_rdf`; all IRIs are
Wikidata's own (``http://www.wikidata.org/entity/Q42``), never the deployment's BASE.

Dump lines are mapped in worker processes (:mod:`loaders.parallel`): the main process reads the
lines and sends them in batches; each worker parses and maps its entities and returns their
statements serialised as N-Quads (``Mapped.nquads``), which the store loads without making Python
objects. Records come back in input order. Option ``workers``: how many processes (default
:func:`~loaders.parallel.default_workers`; 1 maps in the loading process). A dump of one batch or
less, and the whole-document layouts, are mapped in the loading process.

Option ``only_ids``: a set of entity ids to keep. Dump lines of other entities are skipped (in the
main process) without parsing their JSON: the top-level ``"id"`` is found with a regular
expression over the flat ``"key": "scalar"`` pairs that open each dump line (``"type"``,
``"datatype"``); a line that does not start that way is parsed in full.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any, BinaryIO, NamedTuple

from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from commons_graph.errors import BadInput
from loaders.base import LoadContext, Mapped, Record, Rejected
from loaders.parallel import default_workers, ordered_map
from loaders.wikidata_rdf import map_entity
from loaders.wikidata_values import ValueFailure

_BOM = b"\xef\xbb\xbf"
#: the top-level "id" of a dump line, preceded only by flat "key": "string"/number pairs
_TOP_LEVEL_ID = re.compile(
    rb'\{(?:\s*"(?!id")[^"\\]*"\s*:\s*(?:"[^"\\]*"|-?\d+)\s*,)*\s*"id"\s*:\s*"([^"\\]+)"'
)
#: dump lines sent to a worker process at a time (fewer when they add up to BATCH_BYTES)
BATCH_LINES = 64
BATCH_BYTES = 4 << 20


def _fast_loads() -> Callable[[bytes], Any]:
    """orjson's parser when it is installed (twice as fast on dump lines), else the stdlib's."""
    try:
        module = importlib.import_module("orjson")
    except ImportError:
        return json.loads
    loads: Callable[[bytes], Any] = module.loads
    return loads


_loads = _fast_loads()


class WikidataLoader:
    name = "wikidata"
    licence: str | None = "http://creativecommons.org/publicdomain/zero/1.0/"
    rejects_suffix = ".jsonl"

    def default_source(self, head: bytes) -> str:
        return "wikidata"

    def records(self, stream: BinaryIO, ctx: LoadContext) -> Iterator[Record]:
        only = _only_ids(ctx.options.get("only_ids"))
        line_no = 0
        for raw in stream:
            line_no += 1
            if line_no == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            first = raw.strip()
            if not first:
                continue
            if first == b"[":
                workers = _workers(ctx.options.get("workers"))
                yield from _dump(stream, raw, line_no, only, ctx.target_graph, workers)
            elif first[:1] in (b"[", b"{"):
                yield from _document(raw + stream.read(), line_no, only, ctx.target_graph)
            else:
                shown = first[:40].decode("utf-8", "replace")
                raise BadInput(
                    f"line {line_no}: this is not Wikidata entity JSON: it should start with "
                    f"'[' (a JSON dump) or '{{' (an entity or Special:EntityData), not {shown!r}"
                )
            return
        raise BadInput("the input is empty: expected Wikidata entity JSON")


LOADER = WikidataLoader()


def _only_ids(option: object) -> frozenset[str] | None:
    if option is None:
        return None
    if isinstance(option, str):
        return frozenset(part for part in re.split(r"[\s,]+", option) if part)
    if isinstance(option, Iterable):
        ids = frozenset(option)
        if all(isinstance(eid, str) for eid in ids):
            return ids
    raise BadInput(f"option only_ids must be a set of entity ids such as {{'Q42'}}, not {option!r}")


def _workers(option: object) -> int:
    if option is None:
        return default_workers()
    if isinstance(option, int) and not isinstance(option, bool) and option >= 1:
        return option
    if isinstance(option, str) and option.isdigit() and int(option) >= 1:
        return int(option)
    raise BadInput(f"option workers must be a number of processes (1 or more), not {option!r}")


def _decode(data: bytes, first_line: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + data.count(b"\n", 0, error.start)
        raise BadInput(
            f"line {line}: the input is not UTF-8 (invalid byte {data[error.start]:#04x}); "
            "Wikidata JSON must be UTF-8"
        ) from None


#: What ``map_entity`` makes of an entity: its quads, kind and IRI.
Entity = tuple[list[Quad], str, NamedNode]


def _entity(data: Any, line: int, raw: str | bytes, graph: NamedNode) -> Entity | Rejected:
    """Map one entity; ``raw`` (its text, or the UTF-8 bytes of its dump line) is for rejects."""
    try:
        return map_entity(data, graph)
    except ValueFailure as failure:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        eid = data.get("id") if isinstance(data, dict) else None
        reason = f"{eid}: {failure.reason}" if isinstance(eid, str) else failure.reason
        return Rejected(line=line, field=failure.path or None, reason=reason, raw=raw)


def _mapped(entity: Entity | Rejected) -> Mapped | Rejected:
    if isinstance(entity, Rejected):
        return entity
    quads, kind, node = entity
    return Mapped(quads, kind=kind, entity=node)


class Serialised(NamedTuple):
    """A mapped entity as a worker returns it: strings and bytes, cheap to pickle."""

    kind: str
    entity: str
    nquads: bytes


def _serialised(entity: Entity | Rejected) -> Serialised | Rejected:
    if isinstance(entity, Rejected):
        return entity
    quads, kind, node = entity
    nquads = serialize(quads, format=RdfFormat.N_QUADS)
    assert nquads is not None  # no output was given: serialize returns the bytes
    return Serialised(kind, node.value, nquads)


#: A dump line to map (its physical line number and its JSON), or a record decided already.
Job = tuple[int, bytes] | Rejected


def _dump(
    stream: BinaryIO,
    opening: bytes,
    line_no: int,
    only: frozenset[str] | None,
    graph: NamedNode,
    workers: int,
) -> Iterator[Record]:
    """The official dump, one entity per line; ``opening`` is the '[' line, at ``line_no``."""
    start, skipped = line_no, [opening]
    for raw in stream:
        line_no += 1
        if raw.strip():
            break
        skipped.append(raw)
    else:
        return
    if raw.strip() == b"{":  # a pretty-printed array, not the dump layout
        yield from _document(b"".join(skipped) + raw + stream.read(), start, only, graph)
        return
    batches = _batches(_jobs(chain([raw], stream), line_no - 1, only))
    head = list(islice(batches, 2 if workers > 1 else 0))
    if len(head) < 2:  # one batch at most, or one process: no pool to start
        for batch in chain(head, batches):
            yield from (_mapped(_job_entity(job, graph)) for job in batch)
        return
    tasks = ((graph.value, batch) for batch in chain(head, batches))
    for results in ordered_map(_map_batch, tasks, workers):
        for result in results:
            if isinstance(result, Serialised):
                entity = NamedNode(result.entity)
                yield Mapped((), kind=result.kind, entity=entity, nquads=result.nquads)
            else:
                yield result


def _jobs(lines: Iterable[bytes], line_no: int, only: frozenset[str] | None) -> Iterator[Job]:
    """The entity lines that follow line ``line_no``, without their ',', filtered by ``only``."""
    closed = False
    for raw in lines:
        line_no += 1
        body = raw.strip()
        if not body:
            continue
        if body.endswith(b","):
            body = body[:-1].rstrip()
        if body == b"]":
            closed = True
        elif closed:
            text = _decode(body, line_no)
            yield Rejected(line_no, None, "text after the closing ']' of the dump", text)
        elif only is None or not _skipped(body, line_no, only):
            yield line_no, body


def _batches(jobs: Iterator[Job]) -> Iterator[list[Job]]:
    """Consecutive jobs, ``BATCH_LINES`` (or ``BATCH_BYTES``) at a time."""
    batch: list[Job] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += len(job[1]) if isinstance(job, tuple) else 0
        if len(batch) >= BATCH_LINES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _skipped(body: bytes, line_no: int, only: frozenset[str]) -> bool:
    """Whether a dump line is an entity outside ``only``: by its leading "id" if it can be seen,
    else by parsing it (a line that does not parse is kept, to be rejected)."""
    match = _TOP_LEVEL_ID.match(body)
    if match is not None:
        return match.group(1).decode("utf-8", "replace") not in only
    data = _parse(body, line_no)
    return isinstance(data, dict) and data.get("id") not in only


def _parse(body: bytes, line_no: int) -> Any:
    """The JSON of a dump line, or a :class:`Rejected` record saying why it is not JSON."""
    try:
        return _loads(body)
    except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
        # orjson is stricter than the stdlib (lone surrogates, huge integers): ask it too
        text = _decode(body, line_no)
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            reason = f"not valid JSON: {error.msg} (column {error.colno})"
            return Rejected(line_no, None, reason, text)
        except RecursionError:
            return Rejected(line_no, None, "not valid JSON: nested too deeply", text)


def _job_entity(job: Job, graph: NamedNode) -> Entity | Rejected:
    if isinstance(job, Rejected):
        return job
    line_no, body = job
    data = _parse(body, line_no)
    return data if isinstance(data, Rejected) else _entity(data, line_no, body, graph)


def _map_batch(task: tuple[str, list[Job]]) -> list[Serialised | Rejected]:
    """In a worker process: map a batch of dump lines, each entity's quads as N-Quads bytes."""
    graph_iri, jobs = task
    graph = NamedNode(graph_iri)
    return [_serialised(_job_entity(job, graph)) for job in jobs]


def _document(
    data: bytes, first_line: int, only: frozenset[str] | None, graph: NamedNode
) -> Iterator[Record]:
    """A whole JSON document: one entity, an array of entities or ``{"entities": {...}}``."""
    text = _decode(data, first_line)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(
            f"line {first_line + error.lineno - 1}: not valid JSON: {error.msg} "
            f"(column {error.colno})"
        ) from None
    except RecursionError:
        raise BadInput(f"line {first_line}: not valid JSON: nested too deeply") from None
    if isinstance(document, dict) and isinstance(document.get("entities"), dict):
        entities: list[Any] = list(document["entities"].values())
    elif isinstance(document, dict):
        entities = [document]
    elif isinstance(document, list):
        entities = document
    else:
        raise BadInput(f"line {first_line}: expected a JSON object or array of Wikidata entities")
    position, line = 0, first_line
    for entity in entities:
        eid = entity.get("id") if isinstance(entity, dict) else None
        if only is not None and eid not in only:
            continue
        if isinstance(eid, str):  # physical line of the entity: where its id is first seen
            found = text.find(f'"{eid}"', position)
            if found >= 0:
                line += text.count("\n", position, found)
                position = found
        raw = json.dumps(entity, ensure_ascii=False, separators=(",", ":"))
        if isinstance(entity, dict) and "missing" in entity:
            yield Rejected(line, "missing", f"{eid}: the entity does not exist", raw)
            continue
        yield _mapped(_entity(entity, line, raw, graph))
