"""Run the benchmark sections: ``python -m bench [--only NAME] [section options]``."""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from types import ModuleType

from bench import common

#: Section name -> module. Add a section by adding a module with ``run() -> None`` here.
SECTIONS: dict[str, str] = {
    "loaders": "bench.loaders",
    "wikidata-1gb": "bench.wikidata_dump",
    "wikidata-workers": "bench.wikidata_workers",
    "linking": "bench.linking",
    "reconcile": "bench.reconcile",
    "sparql": "bench.sparql",
    "harvest": "bench.harvest",
}


def _modules(names: Sequence[str]) -> dict[str, ModuleType | ImportError]:
    found: dict[str, ModuleType | ImportError] = {}
    for name in names:
        try:
            found[name] = importlib.import_module(SECTIONS[name])
        except ImportError as err:
            found[name] = err
    return found


def _tree_state() -> str:
    """The commit measured, and whether the working tree differs from it (others edit it too)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=common.REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=common.REPO,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "commit unknown (no git)"
    return f"commit {head}" + (f" + uncommitted changes in {len(dirty)} files" if dirty else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SECTIONS),
        metavar="NAME",
        help=f"run only this section (repeatable); sections: {', '.join(SECTIONS)}",
    )
    modules = _modules(list(SECTIONS))
    for module in modules.values():
        if isinstance(module, ModuleType) and hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    args = parser.parse_args(argv)
    common.OPTIONS.__dict__.update(vars(args))

    print(f"bench: {_tree_state()}; {os.cpu_count()} CPUs; shared data: {common.SHARED}")
    failed = 0
    for name in args.only or list(SECTIONS):
        module = modules[name]
        if isinstance(module, ImportError):
            print(f"\n== {name} ==\n  NOT RUN: the section does not import: {module}")
            failed += 1
            continue
        start = time.perf_counter()
        module.run()
        print(f"  ({name}: {time.perf_counter() - start:.0f} s)")
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
