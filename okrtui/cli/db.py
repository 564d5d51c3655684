"""``okrtui db``: the admin commands for the database itself.

* ``okrtui db upgrade`` creates or migrates the schema. On PostgreSQL this is the only
  place okrtui runs DDL (a normal start refuses an out-of-date schema and names this
  command), in one transaction; whoever runs it first becomes the first admin, as
  the owner of a SQLite file is one.
* ``okrtui db copy --to URL`` copies the whole database into a new SQLite file or an
  empty PostgreSQL database, through the lossless JSON export, and then checks that
  both export to the same document.

Imports no Textual; the store is imported inside the commands.
"""

import json
from typing import Any

import click

from okrtui.cli.common import EXIT_REFUSED, db_option, fail
from okrtui.cli.common import app_context as _app


@click.group("db")
def db_group() -> None:
    """Database administration: schema upgrades and copies between backends."""


@db_group.command("upgrade", short_help="Create or migrate the schema to this version.")
@db_option
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema to this okrtui's version (PostgreSQL: admins only)."""
    from store.db.database import open_database
    from store.db.schema import HEAD
    from store.db.sqlite_file import read_revision

    app = _app(ctx)
    target = app.target
    if target.is_sqlite:
        assert target.path is not None
        before = read_revision(target.path)[0] if target.path.exists() else None
        open_database(target, create=False).close()  # migrates, with a backup beside it
        click.echo(_report(str(target.path), before, HEAD))
        return
    from store.db.pg import make_pg_engine, security_warnings, upgrade_pg
    from store.db.pg_conn import display_url

    engine = make_pg_engine(target.url)
    try:
        before, after = upgrade_pg(engine)
        first = _record_first_admin(engine, app.user.username)
        warnings = security_warnings(engine)
    finally:
        engine.dispose()
    click.echo(_report(display_url(target.url), before, after))
    if first:
        click.echo(f"{first} is its first admin (`okrtui team admin add USER` adds more)")
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _report(where: str, before: str | None, after: str) -> str:
    if before == after:
        return f"{where} is already at schema revision {after}"
    if before is None:
        return f"{where}: created the okrtui schema (revision {after})"
    return f"{where}: upgraded the schema from revision {before} to {after}"


def _record_first_admin(engine: Any, username: str) -> str | None:
    """With no admin listed yet, the one who set the database up becomes the first."""
    from sqlalchemy import func, insert, select
    from sqlalchemy.exc import SQLAlchemyError

    from store.errors import DatabaseError
    from store.model.tables import Activity, Admin, utcnow

    try:
        with engine.begin() as conn:
            if conn.execute(select(func.count()).select_from(Admin)).scalar_one():
                return None
            conn.execute(
                insert(Admin).values(username=username, added_by=username, added_at=utcnow())
            )
            conn.execute(
                insert(Activity).values(
                    at=utcnow(), author=username, entity="admin", action="add",
                    detail=json.dumps({"username": username, "reason": "ran okrtui db upgrade"}),
                )
            )  # fmt: skip
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"the schema is ready, but {username} could not be recorded as its first admin "
            f"({reason}): run `okrtui db upgrade` again as the role that owns the database"
        ) from exc
    return username


@db_group.command("copy", short_help="Copy the whole database (SQLite ↔ PostgreSQL).")
@click.option("--to", "to", required=True, metavar="PATH|URL",
              help="A new SQLite file, or an empty PostgreSQL database.")  # fmt: skip
@db_option
@click.pass_context
def db_copy(ctx: click.Context, to: str) -> None:
    """Copy the whole database to TO (SQLite ↔ PostgreSQL), losslessly, and verify it."""
    from store.db.database import open_database
    from store.db.target import resolve_target

    app = _app(ctx)
    source_target = app.target
    dest_target = resolve_target(to)
    if dest_target.url == source_target.url:
        raise click.UsageError("--to names the database being copied")
    source = open_database(source_target)
    try:
        _copy_into(source, dest_target)
    finally:
        source.close()


def _copy_into(source: Any, dest_target: Any) -> None:
    """Stream ``source`` into the destination and compare both, row by row (store.io.transfer):
    the large organisation as one in-memory document took 3.3 GB (issue 17)."""
    from store.db.database import open_database
    from store.errors import TransferError
    from store.io.transfer import copy_database, export_admins, same_rows

    if dest_target.is_sqlite:
        assert dest_target.path is not None
        if dest_target.path.exists():
            fail(f"{dest_target.path} already exists; copy into a new file", EXIT_REFUSED)
        dest = open_database(dest_target, create=True)
    else:
        from store.db.pg import make_pg_engine, upgrade_pg

        engine = make_pg_engine(dest_target.url)
        try:
            # No schema yet: created; `db upgrade` already run: fine; older: upgraded.
            upgrade_pg(engine)
        finally:
            engine.dispose()
        dest = open_database(dest_target)
    try:
        # The admins `db upgrade` (or `team admin add`) listed stay admins of the copy.
        listed = export_admins(dest)
        try:
            counts = copy_database(source, dest)
        except TransferError as exc:
            fail(f"{exc}; nothing was copied", EXIT_REFUSED)
        if not same_rows(source, dest, [a["username"] for a in listed]):
            fail("the copy does not export the same as the original: do not use it", 2)
        admins = [a["username"] for a in export_admins(source)]
    finally:
        dest.close()
    summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    where = dest_target.path or _shown(dest_target.url)
    click.echo(f"copied {summary or 'an empty database'} to {where}; both export the same")
    kept = sorted({a["username"] for a in listed} - set(admins))
    if kept:
        click.echo(f"kept the admins {where} already listed: {', '.join(kept)}")


def _shown(url: str) -> str:
    from store.db.pg_conn import display_url

    return display_url(url)
