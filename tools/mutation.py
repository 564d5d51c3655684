"""Mutation score of okrtui's core modules: ``python tools/mutation.py [MODULE ...]``.

For each module, with the tests that are meant to catch its mistakes, mutmut makes small
deliberate bugs (``>`` for ``>=``, ``*`` for ``/``, a dropped ``not``…) and runs those
tests against each; a mutant that no test fails "survived". Prints one table row per
module: mutants, killed, survived, score. Each module runs in a throw-away copy of the
repository (the files git tracks), so the working tree is never touched and the modules
do not share mutmut's state. Not part of ``.ci/run`` (minutes, not seconds); the latest
figures are in the README's development section.

Needs ``mutmut`` 3 (``pip install 'okrtui[mutation]'``). PostgreSQL variants stay off
(``OKRTUI_TEST_PG=0``): the pure modules here never touch a database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# module → the test files meant to catch its mistakes (issue 21's table, moved to the
# layout of issue 15; test_survivors.py holds the tests written for its survivors).
MODULES: dict[str, list[str]] = {
    "store/domain/scoring.py": [
        "tests/unit/test_scoring.py",
        "tests/unit/test_survivors.py",
        "tests/unit/test_oracles.py",
        "tests/unit/test_explain.py",
        "tests/unit/test_kr_ranges.py",
    ],
    "store/domain/validation.py": [
        "tests/unit/test_validation.py",
        "tests/unit/test_survivors.py",
    ],
    "store/io/kpi_csv.py": ["tests/unit/test_kpis_store.py", "tests/unit/test_survivors.py"],
    "store/domain/rights.py": ["tests/unit/test_rights.py", "tests/unit/test_survivors.py"],
    "store/domain/numbers.py": ["tests/unit/test_numbers.py", "tests/unit/test_survivors.py"],
    "store/io/okr_csv_read.py": [
        "tests/unit/test_okr_csv_read.py",
        "tests/unit/test_okr_csv.py",
        "tests/unit/test_kr_ranges.py",
    ],
    "store/domain/pace.py": [
        "tests/unit/test_scoring.py",
        "tests/unit/test_survivors.py",
        "tests/unit/test_oracles.py",
    ],
    "store/domain/explain.py": [
        "tests/unit/test_explain.py",
        "tests/unit/test_scoring.py",
        "tests/unit/test_kr_ranges.py",
    ],
    "store/domain/kpi_rules.py": [
        "tests/unit/test_scoring.py",
        "tests/unit/test_survivors.py",
        "tests/unit/test_oracles.py",
    ],
}


# Run in the copy after mutmut: each surviving (or never tested) mutant as a diff, so the
# log says what each survivor changed without keeping the copy.
_SHOW_SURVIVORS = """
from mutmut.__main__ import SourceFileMutationData, status_by_exit_code, walk_mutatable_files
from mutmut.mutation.diff_apply import get_diff_for_mutant
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        status = status_by_exit_code[code]
        if status not in ("killed", "timeout"):
            print(f"# {name}: {status}")
            print(get_diff_for_mutant(name, path=path), end="\\n\\n")
"""


def tracked_copy(into: Path) -> None:
    """The files git tracks, as they are in the working tree, copied to ``into``."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = REPO / name.decode()
        if source.is_file():
            target = into / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def mutate(module: str, tests: list[str], log: Path) -> dict[str, int]:
    """mutmut's counts for ``module`` against ``tests`` (its CI/CD stats)."""
    with tempfile.TemporaryDirectory(prefix="okrtui-mutation-") as tmp:
        work = Path(tmp)
        tracked_copy(work)
        config = (
            "\n[tool.mutmut]\n"
            f"source_paths = [{json.dumps(module)}]\n"
            'also_copy = ["tests/", "store/", "okrtui/", "widgets/", "bench/"]\n'
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
            f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        )
        with (work / "pyproject.toml").open("a", encoding="utf-8") as f:
            f.write(config)
        env = {**os.environ, "OKRTUI_TEST_PG": "0", "OKRTUI_E2E_SSH": "0"}
        mutmut = [sys.executable, "-m", "mutmut"]
        with log.open("ab") as out:
            subprocess.run([*mutmut, "run"], cwd=work, env=env, stdout=out, stderr=out,
                           check=True)  # fmt: skip
            subprocess.run([*mutmut, "export-cicd-stats"], cwd=work, env=env, stdout=out,
                           stderr=out, check=True)  # fmt: skip
            out.write(f"\n== survivors of {module}\n".encode())
            out.flush()
            subprocess.run([sys.executable, "-c", _SHOW_SURVIVORS], cwd=work, env=env,
                           stdout=out, stderr=out, check=False)  # fmt: skip
        stats = json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text())
    return {k: int(v) for k, v in stats.items() if isinstance(v, int | float)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"default: {', '.join(MODULES)}")
    parser.add_argument("--log", type=Path, default=Path("mutation.log"),
                        help="mutmut output, each survivor as a diff")  # fmt: skip
    args = parser.parse_args(argv)
    chosen = args.modules or list(MODULES)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        parser.error(f"no tests are listed for {', '.join(unknown)} (see MODULES)")
    args.log.write_bytes(b"")
    rows = []
    for module in chosen:
        print(f"… {module}", file=sys.stderr, flush=True)
        stats = mutate(module, MODULES[module], args.log.resolve())
        total, killed = stats["total"], stats["killed"] + stats.get("timeout", 0)
        rows.append((module, total, killed, total - killed, killed / total if total else 1.0))
    print(f"{'module':<30} {'mutants':>8} {'caught':>7} {'survived':>9} {'score':>6}")
    for module, total, killed, survived, score in rows:
        print(f"{module:<30} {total:>8} {killed:>7} {survived:>9} {score:>6.0%}")
    print(f"each survivor as a diff: {args.log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
