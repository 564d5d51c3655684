"""okrtui's benchmark: issue 8's figures as ratios against baselines measured in the same run.

``python -m bench`` (or ``python bench/run.py``) generates the large organisation once
(cached), measures every figure as the median of ``--runs`` runs (at least 5) and prints a
table; the exit code is 1 when a target is missed. ``--quick`` uses a small organisation and
fewer runs and never fails on timings: it only proves the benchmark still works (CI).
"""

import argparse
import json
import platform
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate
from bench import probe as probe_module
from bench.measure import (
    ProbeError,
    Run,
    child_env,
    median,
    okrtui_command,
    python,
    run_process,
    time_calls,
)

MIN_RUNS = 5


@dataclass(frozen=True)
class Figure:
    """One row of the table: a measured value, its baseline and the targets."""

    what: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_what: str = ""
    max_ratio: float | None = None
    max_value: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def passed(self) -> bool:
        ok = self.max_value is None or self.value <= self.max_value
        ratio = self.ratio
        return ok and (self.max_ratio is None or (ratio is not None and ratio <= self.max_ratio))

    @property
    def target(self) -> str:
        parts = []
        if self.max_ratio is not None:
            parts.append(f"≤ {self.max_ratio:g}×")
        if self.max_value is not None:
            parts.append(f"≤ {self.max_value:g} {self.unit}")
        return " and ".join(parts)


class Bench:
    """One benchmark run: a work copy of the generated database and an isolated HOME."""

    def __init__(self, size: generate.Size, runs: int, bytecode: bool, log: Callable[[str], None]):
        self.size = size
        self.runs = runs
        self.log = log
        self.tmp = Path(tempfile.mkdtemp(prefix="okrtui-bench-"))
        home = self.tmp / "home"
        home.mkdir()
        self.env = child_env(home, bytecode=bytecode,
                             pycache=generate.cache_dir() / "pycache")  # fmt: skip
        self.db_path = self.tmp / "org.db"
        self.app_runs: list[Run] = []  # start-up runs of the app (their peak memory)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def prepare(self) -> None:
        """Copy the cached organisation (check-ins write to it) and let the bench user write."""
        source = generate.ensure_database(self.size)
        shutil.copyfile(source, self.db_path)
        from store.identity import current_user

        me = current_user().username
        with sqlite3.connect(self.db_path) as conn:
            # KR-1 becomes the bench user's, so `okrtui checkin KR-1 42` is allowed whatever
            # the edit rules are; an admin row covers rules that look at admins.
            conn.execute("UPDATE key_result SET owner = ? WHERE id = 1", (me,))
            conn.execute(
                "INSERT OR IGNORE INTO admin (username, added_by, added_at) "
                "VALUES (?, 'bench', '2026-11-23 00:00:00')",
                (me,),
            )
        conn.close()

    def processes(self, argv: list[str], *, tty: bool) -> list[Run]:
        run_process(argv, self.env, tty=tty)  # warm-up: compiles bytecode, writes the config
        return [run_process(argv, self.env, tty=tty) for _ in range(self.runs)]

    def paired(self, a: list[str], b: list[str], *, tty: bool) -> tuple[list[Run], list[Run]]:
        """Runs of two commands interleaved, so drift in the machine hits both alike."""
        for argv in (a, b):
            run_process(argv, self.env, tty=tty)
        first, second = [], []
        for _ in range(self.runs):
            first.append(run_process(a, self.env, tty=tty))
            second.append(run_process(b, self.env, tty=tty))
        return first, second

    # --- the figures ---------------------------------------------------------------

    def start_up(self, bare_runs: list[Run]) -> list[Figure]:
        """Start to first frame, on the large database and on the demo one, against a bare
        Textual app (issue 17: textual only, one Label; ≤ 1.3×); ``bare_runs`` receives the
        baseline's runs (memory)."""
        self.log("start-up: okrtui vs a bare Textual app (in a 120x40 pseudo-terminal)")
        probe = [python(), "-m", "bench.probe"]
        demo = self.tmp / "demo.db"
        run_process([*okrtui_command(), "demo", "--create-db", str(demo)], self.env)
        app_runs, bare = self.paired(
            [*probe, "app", "--db", str(self.db_path)], [*probe, "bare"], tty=True
        )
        demo_runs, demo_bare = self.paired(
            [*probe, "app", "--db", str(demo)], [*probe, "bare"], tty=True
        )
        bare_runs += bare
        self.app_runs = app_runs

        org = "large" if self.size.name == "full" else "small"

        def frame(runs: list[Run]) -> float:
            return median([r.frame_s * 1000 for r in runs if r.frame_s is not None])

        return [
            Figure(f"start to first frame of the tree with data, {org} organisation",
                   frame(app_runs), "ms", frame(bare),
                   "bare Textual app (textual only, one Label), first frame", max_ratio=1.3),
            Figure("  same, whole process until exit (info)", median([r.wall_s * 1000
                   for r in app_runs]), "ms", median([r.wall_s * 1000 for r in bare]),
                   "bare app, whole process"),
            Figure("start to first frame of the tree with data, demo database",
                   frame(demo_runs), "ms", frame(demo_bare),
                   "bare Textual app (textual only, one Label), first frame", max_ratio=1.3),
        ]  # fmt: skip

    def interactive(self, bare_runs: list[Run]) -> list[Figure]:
        self.log("cursor moves: okrtui's expanded tree vs a Tree of 10,000 plain labels")
        probe = [python(), "-m", "bench.probe"]
        app_runs, plain_runs = self.paired(
            [*probe, "cursor-app", str(self.db_path)], [*probe, "cursor-bare"], tty=False
        )
        apps = [json.loads(r.output.strip().splitlines()[-1]) for r in app_runs]
        plains = [json.loads(r.output.strip().splitlines()[-1]) for r in plain_runs]

        def per_run(data: list[dict], key: str) -> float:
            return median([median(d[key]) * 1000 for d in data])

        lines = apps[0]["lines"]
        figures = [
            Figure(f"cursor move in the expanded tree ({lines:,} lines), key to frame",
                   per_run(apps, "moves"), "ms", per_run(plains, "moves"),
                   "same move, Tree of 10,000 plain labels", max_ratio=1.5, max_value=50),
            Figure("  same, to the last frame, detail pane filled (info)",
                   per_run(apps, "settled"), "ms", per_run(plains, "settled"),
                   "plain Tree, last frame"),
        ]  # fmt: skip
        figures.append(Figure(f"cursor move while every database call stalls "
                              f"{probe_module.STALL_S:g} s, key to frame",
                              per_run(apps, "stalled_moves"), "ms", max_value=50))  # fmt: skip
        if "kpi_opens" in apps[0]:
            figures.append(Figure(f"open the KPI dashboard ({self.size.kpis} KPIs), key to "
                                  "last frame", per_run(apps, "kpi_opens"), "ms",
                                  max_value=150))  # fmt: skip
            first = median([d["kpi_opens"][0] * 1000 for d in apps])
            figures.append(Figure("  same, each run's first open (info)", first, "ms"))
        else:
            figures.append(self.kpi_panels())
        if not bare_runs:
            return figures
        bare_mb = median([r.maxrss_kb / 1024 for r in bare_runs])
        figures.append(
            Figure(
                "peak memory, app at its first frame on the large DB",
                median([r.maxrss_kb / 1024 for r in self.app_runs]),
                "MB",
                bare_mb,
                "bare Textual app",
                max_ratio=3,
            )
        )
        figures.append(Figure("  same, after expanding the whole tree and moving (info)",
                              median([d["maxrss_kb"] / 1024 for d in apps]), "MB", bare_mb,
                              "bare Textual app"))  # fmt: skip
        return figures

    def kpi_panels(self) -> Figure:
        """Until the KPI dashboard screen exists: its read model (store/read/kpi_panels.py)."""
        from store.db.database import open_database
        from store.read.kpi_panels import kpi_panels

        db = open_database(self.db_path)
        try:
            times = time_calls(lambda: kpi_panels(db), self.runs)
        finally:
            db.close()
        return Figure(f"KPI dashboard read model, kpi_panels ({self.size.kpis} KPIs; no "
                      "screen yet)", median(times) * 1000, "ms", max_value=150)  # fmt: skip

    def checkin(self) -> Figure:
        """The whole ``okrtui checkin`` process against ``python -c`` connecting to SQLite,
        inserting one row and committing (issue 17: ≤ 5×)."""
        self.log("okrtui checkin KR-1 42 vs python -c: raw sqlite3 connect + insert + commit")
        raw_db = self.tmp / "raw.db"
        with sqlite3.connect(raw_db) as conn:
            conn.execute("CREATE TABLE t (x REAL, at TEXT)")
        conn.close()
        raw = (
            f"import sqlite3; c = sqlite3.connect({str(raw_db)!r}); "
            "c.execute(\"INSERT INTO t VALUES (42, datetime('now'))\"); c.commit()"
        )
        checkin = [*okrtui_command(), "--db", str(self.db_path), "checkin", "KR-1", "42"]
        runs, base = self.paired(checkin, [python(), "-c", raw], tty=False)
        return Figure("okrtui checkin KR-1 42, whole process", median([r.wall_s * 1000
                      for r in runs]), "ms", median([r.wall_s * 1000 for r in base]),
                      "python -c: sqlite3 connect, insert, commit", max_ratio=5)  # fmt: skip

    def loops(
        self, krs: list[int], each: int, command: Callable[[int, int], list[str]]
    ) -> list[float]:
        """One thread per KR, each running ``command(kr, n)`` for n < ``each``, all at
        once: the seconds each run took (any failure fails the measurement)."""
        import threading

        times: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def loop(kr: int) -> None:
            for n in range(each):
                try:
                    run = run_process(command(kr, n), self.env)
                except ProbeError as exc:
                    with lock:
                        errors.append(str(exc))
                    continue
                with lock:
                    times.append(run.wall_s)

        threads = [threading.Thread(target=loop, args=(kr,)) for kr in krs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise ProbeError(f"{len(errors)} concurrent check-ins failed, e.g. {errors[0]}")
        return times

    def ssh_checkins(self, loops: int = 16, each: int = 30) -> list[Figure]:
        """``--ssh`` (root): the same loops through a real sshd on 127.0.0.1, as two
        members of a team server (tests/security/ssh_helpers.py: Unix users, the shipped
        sshd snippet, ``ssh host okrtui checkin …``): per check-in p50, p95, none lost."""
        self.log(f"{loops} concurrent check-in loops × {each} over SSH (real sshd, loopback)")
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "security"))
        from ssh_helpers import seed_many, team_server

        # MaxStartups raised as deploy/sshd_config advises for a team checking in at once:
        # sshd's default (10:30:100) resets connections beyond 10 not yet logged in.
        with team_server(max_startups="50:30:200") as server:
            mine = seed_many(server, loops // 2)
            owner = {kr: user for user, krs in zip(server.users, mine, strict=True)
                     for kr in krs}  # fmt: skip
            with sqlite3.connect(server.db) as conn:
                before = conn.execute("SELECT count(*) FROM check_in").fetchone()[0]
            conn.close()
            times = self.loops(
                sorted(owner), each, lambda kr, n: server.ssh(
                    owner[kr], "okrtui", "checkin", f"KR-{kr}", str(n), "--yes"))  # fmt: skip
            with sqlite3.connect(server.db) as conn:
                landed = conn.execute("SELECT count(*) FROM check_in").fetchone()[0] - before
            conn.close()
        return [
            Figure(f"{loops} concurrent check-in loops × {each} over SSH (real sshd, "
                   "loopback), p95 per check-in", percentile(times, 0.95) * 1000, "ms"),
            Figure("  same, p50 per check-in (info)", median(times) * 1000, "ms"),
            Figure(f"  same, check-ins lost of {loops * each}", float(loops * each - landed),
                   "", max_value=0),
        ]  # fmt: skip

    def concurrent_checkins(self, loops: int = 16, each: int = 30) -> list[Figure]:
        """``loops`` shell loops, each running ``okrtui checkin`` ``each`` times on its own
        KR, all at once on one SQLite file: per check-in p95 and how many landed."""
        self.log(f"{loops} concurrent check-in loops × {each} through the CLI")
        from store.identity import current_user

        me = current_user().username
        with sqlite3.connect(self.db_path) as conn:
            krs = [row[0] for row in conn.execute(
                "SELECT id FROM key_result WHERE kpi_id IS NULL AND kind = 'metric' "
                "ORDER BY id LIMIT ?", (loops,))]  # fmt: skip
            conn.executemany("UPDATE key_result SET owner = ? WHERE id = ?",
                             [(me, kr) for kr in krs])  # fmt: skip
            before = conn.execute("SELECT count(*) FROM check_in").fetchone()[0]
        conn.close()
        run_process([*okrtui_command(), "--db", str(self.db_path), "checkin", "--list"],
                    self.env)  # warm-up: bytecode  # fmt: skip
        times = self.loops(
            krs, each, lambda kr, n: [*okrtui_command(), "--db", str(self.db_path), "checkin",
                                      f"KR-{kr}", str(n), "--yes"])  # fmt: skip
        with sqlite3.connect(self.db_path) as conn:
            landed = conn.execute("SELECT count(*) FROM check_in").fetchone()[0] - before
        conn.close()
        p95 = percentile(times, 0.95) * 1000
        return [
            Figure(f"{loops} concurrent check-in loops × {each} (CLI, SQLite), p95 per "
                   "check-in", p95, "ms", max_value=1500),
            Figure("  same, p50 per check-in (info)", median(times) * 1000, "ms"),
            Figure(f"  same, check-ins lost of {loops * each}", float(loops * each - landed),
                   "", max_value=0),
        ]  # fmt: skip

    def status_json(self) -> Figure:
        """``okrtui status --json`` against a ``python -c`` that reads the same rows with
        plain sqlite3 (store.read.tree' own SQL) and ``json.dumps`` them, one object per row
        keyed by column (issue 17: ≤ 2×). Whole processes both."""
        self.log("okrtui status --json vs raw sqlite3 read + json.dumps")
        from store.read import tree as queries

        raw = RAW_STATUS.format(db=str(self.db_path), sql=[
            queries.TREE_OBJECTIVES, queries.TREE_COLLABORATORS, queries.TREE_KRS])  # fmt: skip
        status = [*okrtui_command(), "--db", str(self.db_path), "status", "--json"]
        runs, base = self.paired(status, [python(), "-c", raw], tty=False)
        json.loads(runs[0].output)  # the figure is only worth something if the JSON is whole
        return Figure("okrtui status --json, large organisation, whole process",
                      median([r.wall_s * 1000 for r in runs]), "ms",
                      median([r.wall_s * 1000 for r in base]),
                      "python -c: raw sqlite3 read of the rows + json.dumps",
                      max_ratio=2)  # fmt: skip

    def postgres(self) -> list[Figure]:
        """``--pg``: a throw-away PostgreSQL cluster (tests/pg_cluster.py); ``db copy`` of
        the organisation into it (wall time, peak memory), then the first frame on it
        against the same on SQLite."""
        self.log("PostgreSQL: db copy of the organisation, then first frame vs SQLite")
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from pg_cluster import start_cluster

        cluster = start_cluster()
        try:
            name = cluster.new_database()
            url = cluster.url(name).replace("+psycopg", "")
            # The peak is the copy's own: GNU time's %M (a tiny parent), not this process's
            # ru_maxrss, which on Linux starts at the forking parent's RSS (see README).
            timer = ["/usr/bin/time", "-f", "okrtui-peak-kb %M"]
            copy = run_process([*(timer if Path(timer[0]).exists() else []),
                                *okrtui_command(), "--db", str(self.db_path), "db", "copy",
                                "--to", url], self.env)  # fmt: skip
            peaks = [line.split()[1] for line in copy.output.splitlines()
                     if line.startswith("okrtui-peak-kb ")]  # fmt: skip
            peak_kb = int(peaks[-1]) if peaks else copy.maxrss_kb
            probe = [python(), "-m", "bench.probe"]
            pg_runs, lite_runs = self.paired(
                [*probe, "app", "--db", url],
                [*probe, "app", "--db", str(self.db_path)],
                tty=True,
            )
        finally:
            cluster.stop()
            shutil.rmtree(cluster.root, ignore_errors=True)
        return [
            Figure("okrtui db copy of the organisation to PostgreSQL, wall time",
                   copy.wall_s, "s", max_value=60),
            Figure("  same, peak memory", peak_kb / 1024, "MB", max_value=300),
            Figure("first frame on PostgreSQL (large organisation)",
                   median([r.frame_s * 1000 for r in pg_runs if r.frame_s is not None]), "ms",
                   median([r.frame_s * 1000 for r in lite_runs if r.frame_s is not None]),
                   "the same on SQLite", max_ratio=1.2),
        ]  # fmt: skip

    def tree_read(self) -> list[Figure]:
        self.log("tree read model: store.read.tree.TreeReader(…).outline() vs raw sqlite3")
        from store.db.database import open_database
        from store.read.tree import TreeReader, load_tree

        def everything() -> None:
            load_tree(db, 1)  # every KR read, every objective scored

        db = open_database(self.db_path)
        raw = sqlite3.connect(self.db_path)
        try:
            model_times, raw_times, full_times = [], [], []
            for _ in range(max(2, self.runs // 2)):  # interleaved batches against drift
                model_times += time_calls(lambda: TreeReader(db, 1).outline(), 3)
                raw_times += time_calls(lambda: raw_tree(raw, 1), 3)
                full_times += time_calls(everything, 1)
        finally:
            raw.close()
            db.close()
        raw_ms = median(raw_times) * 1000
        return [
            Figure("tree read model, the outline the first frame needs (TreeReader.outline)",
                   median(model_times) * 1000, "ms", raw_ms, "same rows with raw sqlite3",
                   max_ratio=1.5, max_value=100),
            Figure("  same, load_tree: every KR read and every objective scored (info)",
                   median(full_times) * 1000, "ms", raw_ms, "same rows with raw sqlite3"),
        ]  # fmt: skip


RAW_STATUS = """
import json, sqlite3, sys
conn = sqlite3.connect({db!r})
params = dict(zip(("id", "name", "start", "end", "state"), conn.execute(
    "SELECT id, name, starts_on, ends_on, state FROM period WHERE id = 1").fetchone()))
params["period"] = 1
out = {{}}
for n, sql in enumerate({sql!r}):
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    out[n] = [dict(zip(names, row)) for row in cur]
sys.stdout.write(json.dumps(out, ensure_ascii=False))
"""


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.95: the p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def raw_tree(conn: sqlite3.Connection, period_id: int) -> int:
    """The tree's data read with plain sqlite3 (the read-model baseline): every objective,
    collaborator and key result of the period with its current value, by the queries
    ``load_tree`` reads them with, fetched as tuples, with no model built and no scores.
    ``load_tree`` itself reads the key results lazily, so it runs fewer of these."""
    from store.read import tree as queries

    period = conn.execute(queries.TREE_PERIOD, {"period": period_id}).fetchone()
    params = {"period": period_id, "start": period[2], "end": period[3]}
    rows = 0
    for sql in (queries.TREE_OBJECTIVES, queries.TREE_COLLABORATORS, queries.TREE_KRS):
        rows += len(conn.execute(sql, params).fetchall())
    return rows


def machine() -> str:
    import os

    import sqlmodel
    import textual

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"textual {textual.__version__}, sqlmodel {sqlmodel.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def render(figures: list[Figure]) -> str:
    header = ("what", "figure", "baseline", "ratio", "target", "result")
    rows = [header]
    for f in figures:
        rows.append((
            f.what,
            f"{f.value:,.1f} {f.unit}",
            f"{f.baseline:,.1f} {f.unit}" if f.baseline is not None else "—",
            f"{f.ratio:.2f}×" if f.ratio is not None else "—",
            f.target or "(info)",
            ("pass" if f.passed else "FAIL") if f.target else "",
        ))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                 enumerate(zip(row, widths, strict=True))]  # fmt: skip
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small organisation, 2 runs, never fails on timings (CI)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median; ≥ 5)")
    parser.add_argument("--pg", action="store_true",
                        help="also db copy to, and start on, a throw-away PostgreSQL")  # fmt: skip
    parser.add_argument("--ssh", action="store_true",
                        help="also check-ins over a real sshd on 127.0.0.1 (root)")  # fmt: skip
    parser.add_argument("--no-bytecode", action="store_true",
                        help="imports recompiled every time (no .pyc cache)")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.quick and args.runs < MIN_RUNS:
        parser.error(f"--runs must be at least {MIN_RUNS}")
    size = generate.QUICK if args.quick else generate.FULL
    runs = 2 if args.quick else args.runs

    def log(text: str) -> None:
        print(f"… {text}", file=sys.stderr, flush=True)

    log(f"organisation: {generate.describe(size)}")
    bench = Bench(size, runs, not args.no_bytecode, log)
    figures: list[Figure] = []
    failures: list[str] = []
    try:
        bench.prepare()
        bare_runs: list[Run] = []
        steps: list[Callable[[], list[Figure]]] = [
            lambda: bench.start_up(bare_runs),
            lambda: bench.interactive(bare_runs),
            lambda: [bench.checkin()],
            lambda: [bench.status_json()],
            lambda: bench.concurrent_checkins(*((4, 3) if args.quick else (16, 30))),
            bench.tree_read,
        ]
        if args.pg:
            steps.append(bench.postgres)
        if args.ssh:
            steps.append(lambda: bench.ssh_checkins(*((4, 3) if args.quick else (16, 30))))
        for step in steps:
            try:
                figures += step()
            except ProbeError as exc:  # report it, measure the rest
                failures.append(str(exc))
                print(f"bench: a measurement failed: {exc}", file=sys.stderr)
    finally:
        bench.close()
    print(f"machine: {machine()}")
    print(f"organisation: {generate.describe(size)}; median of {runs} runs each; "
          f"{'without' if args.no_bytecode else 'with'} cached bytecode")  # fmt: skip
    print(render(figures))
    missed = [f for f in figures if f.target and not f.passed]
    if failures:
        print(f"{len(failures)} measurement(s) failed (see above)")
        return 2
    if args.quick:
        print("quick mode: timings are not judged (small database, few runs)")
        return 0
    if missed:
        print(f"{len(missed)} target(s) missed")
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
