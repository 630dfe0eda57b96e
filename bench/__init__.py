"""Benchmarks: ``python -m bench`` (``make bench``) runs every section and prints its table.

Each section is a module of this package with ``run() -> None`` (print a titled table) and,
optionally, ``add_arguments(parser)`` for its own command-line options; the runner is
:mod:`bench.__main__` and the list of sections is :data:`bench.__main__.SECTIONS`. Measurements run
in fresh subprocesses (:mod:`bench.load_one`, :mod:`bench.peer_one`) so that each peak RSS is one
process's own. Temporary stores and generated inputs go to ``$BENCH_TMP`` or the system's temporary
folder, never into the repository.
"""
