"""``okrtui kpi define | list | pull | source approve|remove``: KPIs that keep themselves
current, from the shell (issue 18). Imports no Textual; the store only inside commands.

``kpi pull`` is what a cron job or systemd timer of the server's owner runs (deploy/):
one line per KPI, exit 1 when any source failed (each failure is also recorded on the
KPI's panel and in the activity log).
"""

import sys
from datetime import date
from typing import Any

import click

from okrtui.cli.common import EXIT_REFUSED, db_option
from okrtui.cli.common import app_context as _app
from okrtui.cli.output import safe


def _settings(pairs: tuple[str, ...], args: tuple[str, ...]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.UsageError(f"--setting takes KEY=VALUE, got {pair!r}")
        settings[key.strip()] = value
    if args:
        settings["argv"] = list(args)
    return settings


@click.command("define", short_help="Create or change a KPI, with its cadence and source.")
@click.argument("name")
@click.option("--owner", help="Its owner (default: you, for a new KPI).")
@click.option("--unit", help="Unit, e.g. $ or % or x.")
@click.option("--direction", type=click.Choice(["higher", "lower"]), help="Which way is good.")
@click.option("--target", help="Target value.")
@click.option("--category", help="Category shown on the dashboard.")
@click.option("--cadence", type=click.Choice(["daily", "weekly", "monthly", "quarterly", "none"]),
              help="How often a value is due (none: never overdue).")  # fmt: skip
@click.option("--aggregation", type=click.Choice(["level", "flow"]),
              help="level: the latest value counts (MRR); flow: values add up per period "
                   "(bookings, leads).")  # fmt: skip
@click.option("--range-low", metavar="A", help="Stay between A and B: the low end ('' clears).")
@click.option("--range-high", metavar="B", help="Stay between A and B: the high end.")
@click.option("--formula", metavar="EXPR", help='Compute it from other KPIs: "LTV / CAC".')
@click.option("--source", "source_kind", type=click.Choice(["sql", "command", "file", "http"]),
              help="Where okrtui kpi pull fetches its value.")  # fmt: skip
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE",
              help="A source setting: url=, query=, path=, column=, json_path=, timeout=, "
                   "token=env:NAME …")  # fmt: skip
@click.option(
    "--arg",
    "args",
    multiple=True,
    metavar="WORD",
    help="For a command source: the program (absolute path), then each argument.",
)
@db_option
@click.pass_context
def kpi_define(ctx: click.Context, name: str, owner: str | None, unit: str | None,
               direction: str | None, target: str | None, category: str | None,
               cadence: str | None, aggregation: str | None, range_low: str | None,
               range_high: str | None, formula: str | None, source_kind: str | None,
               settings: tuple[str, ...], args: tuple[str, ...]) -> None:  # fmt: skip
    """Create KPI NAME, or change it if it exists: cadence, aggregation, range, and a
    formula or a source. A secret (a database password, a token) is never given here:
    name it as env:NAME or file:/path (a file only you can read)."""
    from store.errors import NotFoundError
    from store.read.refs import resolve_kpi
    from store.write.kpi_sources import define_source
    from store.write.kpis import create_kpi, update_kpi

    if formula and source_kind:
        raise click.UsageError("give --formula or --source, not both")
    if (settings or args) and not source_kind:
        raise click.UsageError("--setting and --arg go with --source")
    from store.domain import formula as formula_language
    from store.domain.kpi_sources import validate_spec

    app = _app(ctx)
    db, me = app.database(), app.user.username
    # Everything that can be checked is checked before the KPI is created: a refused
    # source leaves no KPI behind.
    if source_kind:
        validate_spec(source_kind, _settings(settings, args))
    if formula:
        for input_name in formula_language.names_in(formula_language.parse(formula)):
            if input_name.casefold() != name.casefold():
                resolve_kpi(db, input_name)
    fields: dict[str, Any] = {
        key: value
        for key, value in {
            "unit": unit, "direction": direction, "target": target, "category": category,
            "aggregation": aggregation, "range_low": range_low, "range_high": range_high,
        }.items()
        if value is not None
    }  # fmt: skip
    if cadence is not None:
        fields["cadence"] = None if cadence == "none" else cadence
    try:
        kpi_id: int | None = resolve_kpi(db, name)
    except NotFoundError:
        kpi_id = None
    if kpi_id is None:
        kpi_id = create_kpi(db, me, name=name, owner=owner or me, **fields).id
        click.echo(f"KPI-{kpi_id} {safe(name)}: created")
    elif fields or owner:
        if owner:
            fields["owner"] = owner
        update_kpi(db, me, kpi_id, **fields)
        click.echo(f"KPI-{kpi_id} {safe(name)}: changed")
    if formula:
        define_source(db, me, kpi_id, "formula", {"expression": formula})
        click.echo(f"KPI-{kpi_id}: computed as {safe(formula)}")
    elif source_kind:
        saved = define_source(db, me, kpi_id, source_kind, _settings(settings, args))
        click.echo(f"KPI-{kpi_id}: source {source_kind} defined")
        for warning in saved.warnings:
            click.echo(f"note: {safe(warning)}")


@click.command("list", short_help="List KPIs: latest value, cadence, source and pull status.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--overdue", is_flag=True, help="Only KPIs whose value is overdue for its cadence.")
@db_option
@click.pass_context
def kpi_list(ctx: click.Context, as_json: bool, overdue: bool) -> None:
    """Every KPI with its latest value, cadence (and whether a value is overdue), range,
    source and last pull."""
    from store.read.kpi_list import kpi_list_rows

    rows = kpi_list_rows(_app(ctx).database(), date.today())
    if overdue:
        rows = [r for r in rows if r.overdue]
    if as_json:
        from store.format import json_text

        click.echo(json_text([r.as_dict() for r in rows]))
        return
    for r in rows:
        click.echo(safe(r.line()))


@click.command("pull", short_help="Fetch sourced KPIs' values and recompute formulas.")
@click.argument("kpi_refs", metavar="[KPI]...", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Fetch and show the values; write nothing.")
@db_option
@click.pass_context
def kpi_pull(ctx: click.Context, kpi_refs: tuple[str, ...], dry_run: bool) -> None:
    """Fetch the values of every KPI with a source (or of the KPIs named), then recompute
    formula KPIs. sql, command and http sources run only when the server's owner runs
    this (from cron or a systemd timer: see deploy/) and approved them."""
    from store.format import format_number
    from store.io.kpi_pull import pull
    from store.read.refs import resolve_kpi

    app = _app(ctx)
    db = app.database()
    wanted = [resolve_kpi(db, ref) for ref in kpi_refs] or None
    outcomes = pull(db, app.user.username, wanted, dry_run=dry_run)
    failed = 0
    for o in outcomes:
        head = f"KPI-{o.kpi_id} {o.name} ({o.kind.value})"
        if o.error is not None:
            failed += 1
            click.echo(safe(f"{head}: failed: {o.error}"), err=True)
            continue
        shown = ", ".join(f"{day} {format_number(value)}" for day, value in o.values[-3:])
        more = f" (+{len(o.values) - 3} earlier)" if len(o.values) > 3 else ""
        text = f"{head}: {shown}{more}"
        if o.replaced_manual:
            text += f"; replaced typed value(s) of {', '.join(map(str, o.replaced_manual))}"
        click.echo(safe(text))
    if dry_run:
        click.echo("dry run: nothing was written")
    if not outcomes:
        click.echo("no KPI has a source")
    if failed:
        sys.exit(EXIT_REFUSED)


@click.group("source")
def kpi_source() -> None:
    """A KPI's source: approve it (the server's owner) or remove it."""


@kpi_source.command("approve", short_help="Approve a KPI's source for your scheduled pull.")
@click.argument("kpi_ref", metavar="KPI")
@db_option
@click.pass_context
def source_approve(ctx: click.Context, kpi_ref: str) -> None:
    """Let your scheduled pull run KPI's source as it is defined now (shown); a change to
    the definition needs a new approval. Only the server's owner may."""
    from store.read.refs import resolve_kpi
    from store.write.kpi_sources import approve_source

    app = _app(ctx)
    db = app.database()
    what = approve_source(db, app.user.username, resolve_kpi(db, kpi_ref))
    click.echo(safe(f"approved: {what}"))


@kpi_source.command("remove", short_help="Remove a KPI's source (its values stay).")
@click.argument("kpi_ref", metavar="KPI")
@db_option
@click.pass_context
def source_remove(ctx: click.Context, kpi_ref: str) -> None:
    """Remove KPI's source; the values it pulled stay in its history."""
    from store.read.refs import resolve_kpi
    from store.write.kpi_sources import remove_source

    app = _app(ctx)
    db = app.database()
    kpi_id = resolve_kpi(db, kpi_ref)
    remove_source(db, app.user.username, kpi_id)
    click.echo(f"KPI-{kpi_id}: source removed")


COMMANDS = (kpi_define, kpi_list, kpi_pull, kpi_source)
