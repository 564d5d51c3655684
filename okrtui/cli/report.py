"""``okrtui status`` and ``okrtui report``: the alignment tree and a period's report.

Plain text, JSON, Markdown, CSV or HTML on standard output (a file only with ``report -o``,
refused over SSH). No Textual; the store is imported inside the commands.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from okrtui.cli.common import app_context as _app
from okrtui.cli.common import db_option


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from store.io.textfile import write_new_file

    write_new_file(output, text)
    click.echo(f"wrote {output}", err=True)


@click.command("report")
@click.option("--period", "-p", help="Period name (default: the active one).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "csv", "json", "html"]),
    default="md",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this new file instead of standard output.",
)
@db_option
@click.pass_context
def report(ctx: click.Context, period: str | None, fmt: str, output: Path | None) -> None:
    """A period's OKR tree, what changed this week and the KPIs (Markdown, CSV, JSON, or one
    self-contained HTML file with charts for people without a terminal)."""
    from store.io.report import build_report
    from store.io.report_render import render
    from store.read.periods import resolve_period

    app = _app(ctx)
    db = app.database()
    found = resolve_period(db, period)
    if fmt == "html":
        from store.io.report_html import html_report

        cadence = app.settings.reminders.stale_after_days
        _emit(html_report(db, found.id, thresholds=app.thresholds, stale_after=cadence), output)
        return
    _emit(render(build_report(db, found.id, thresholds=app.thresholds), fmt), output)


@click.command()
@click.option("--period", "-p", help="Period name (default: the active one).")
@click.option("--mine", is_flag=True, help="Only objectives I own or collaborate on.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@db_option
@click.pass_context
def status(ctx: click.Context, period: str | None, mine: bool, as_json: bool) -> None:
    """The alignment tree with scores, as an indented table (or JSON)."""
    app = _app(ctx)
    from okrtui.cli.output import status_lines
    from store.read.periods import resolve_period
    from store.read.tree import load_tree

    found = resolve_period(app.database(), period)
    with _without_collections():
        tree = load_tree(app.database(), found.id, app.thresholds)
        only = None
        if mine:
            only = {o.id for o in tree.objectives.values() if o.involves(app.user.username)}
            only |= {kr.objective_id for o in tree.objectives.values() for kr in o.key_results
                     if kr.owner == app.user.username}  # fmt: skip
        if as_json:
            import sys

            _write_tree_json(tree, only, sys.stdout)
        else:
            click.echo("\n".join(status_lines(tree, only)))


@contextmanager
def _without_collections() -> Iterator[None]:
    """No cyclic garbage collection while a whole tree is read and written out.

    The rows hold no cycles, yet each collection walks every one read so far: ≈70 ms of
    ``status --json`` on the large organisation (bench/README.md). A one-shot command;
    collections resume after it."""
    import gc

    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _write_tree_json(tree: Any, only: set[int] | None, out: Any) -> None:
    """``status --json``, written as the tree is walked: one objective per line.

    Each line is made by json's C encoder (indenting falls back to the pure-Python one)
    from the row's fields read directly (``dataclasses.asdict`` deep-copies every value):
    on the large organisation this took the command from ≈5 s to the time of reading and
    scoring the rows (bench/README.md). Escaped for the terminal as ``json_text`` does.
    """
    import json
    from dataclasses import fields

    from store.format import json_escaped

    # No cycle check: the rows are a tree by construction (≈40 ms on the large organisation).
    encode = json.JSONEncoder(
        ensure_ascii=False, allow_nan=False, default=str, check_circular=False
    ).encode
    out.write('{\n  "period": ')
    period = {f.name: getattr(tree.period, f.name) for f in fields(tree.period)}
    out.write(json_escaped(encode(period)))
    out.write(',\n  "objectives": [')
    chunk: list[str] = []
    first = True
    for depth, row in tree.walk():
        if only is not None and row.id not in only:
            continue
        data: dict[str, Any] = {"depth": depth}
        data.update(row.__dict__)  # its fields (a frozen dataclass's own, in order)
        del data["children"]
        data["ref"] = row.ref
        krs = []
        for kr in row.key_results:
            record = {"ref": kr.ref}
            record.update(kr.__dict__)
            krs.append(record)
        data["key_results"] = krs
        chunk.append(("\n    " if first else ",\n    ") + encode(data))
        first = False
        if len(chunk) >= 256:
            out.write(json_escaped("".join(chunk)))
            chunk.clear()
    out.write(json_escaped("".join(chunk)))
    out.write("\n  ]\n}\n" if not first else "]\n}\n")
