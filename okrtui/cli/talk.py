"""``okrtui comment``, ``okrtui inbox`` and ``okrtui remind``: the conversation around
check-ins from the shell, and the reminders the server's cron sends.

No Textual here (the CLI's import contract): each command reads and writes through
store/ and prints plain, control-character-free lines.
"""

import json
from datetime import date

import click

from okrtui.cli.common import EXIT_REFUSED, db_option, fail
from okrtui.cli.common import app_context as _app
from okrtui.cli.output import safe
from okrtui.context import AppContext
from store.errors import DomainError


def _team_names(app: AppContext) -> frozenset[str]:
    from store.identity import team_of

    return team_of(app.settings.team.get("name"))


@click.command()
@click.argument("ref", required=False)
@click.argument("text", required=False)
@click.option(
    "--edit", "edit_id", type=int, metavar="ID", help="Replace your comment #ID with TEXT."
)
@click.option("--delete", "delete_id", type=int, metavar="ID", help="Delete your comment #ID.")
@click.option("--list", "list_", is_flag=True, help="Show REF's thread and exit.")
@db_option
@click.pass_context
def comment(
    ctx: click.Context,
    ref: str | None,
    text: str | None,
    edit_id: int | None,
    delete_id: int | None,
    list_: bool,
) -> None:
    """Comment on an objective, key result or check-in: okrtui comment KR-12 "Why?".

    @name mentions a person, who finds it in their inbox. --list shows the thread;
    --edit ID and --delete ID change your own comments only.
    """
    from store.read.comments import thread
    from store.write.comments import add_comment, delete_comment, edit_comment, parse_subject

    app = _app(ctx)
    db, me = app.database(), app.user.username
    if delete_id is not None:
        delete_comment(db, me, delete_id)
        click.echo(f"deleted comment #{delete_id}")
        return
    if edit_id is not None:
        words = " ".join(w for w in (ref, text) if w)  # the new text, with or without REF
        edit_comment(db, me, edit_id, words, also_known=_team_names(app))
        click.echo(f"edited comment #{edit_id}")
        return
    if ref is None:
        raise click.UsageError(
            'give what to comment on and the text, e.g. okrtui comment KR-12 "Why?"'
        )
    subject = parse_subject(ref)
    if list_:
        rows = thread(db, subject.kind, subject.id)
        if not rows:
            click.echo(f"no comments on {subject.ref} yet")
        for row in rows:
            edited = " (edited)" if row.edited_at else ""
            click.echo(f"#{row.id} {row.author} {row.created_at:%Y-%m-%d %H:%M}{edited}")
            for line in row.body.splitlines():
                click.echo(f"    {safe(line)}")
        return
    if not text:
        raise click.UsageError(
            f'give the comment\'s text, e.g. okrtui comment {subject.ref} "Why?"'
        )
    cid = add_comment(db, me, subject, text, also_known=_team_names(app))
    click.echo(f"comment #{cid} added to {subject.ref}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON.")
@click.option("--read", "read", is_flag=True, help="Mark every item shown as read.")
@db_option
@click.pass_context
def inbox(ctx: click.Context, as_json: bool, read: bool) -> None:
    """What needs you: mentions, replies, check-ins owed, stale key results, KPI warnings."""
    from store.read.inbox import inbox as read_inbox
    from store.read.periods import default_period
    from store.write.comments import mark_read

    app = _app(ctx)
    db, me = app.database(), app.user.username
    period = default_period(db)
    items = read_inbox(
        db, me, period, date.today(), cadence=app.settings.reminders.stale_after_days,
        thresholds=app.thresholds,
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps([
            {"key": i.key, "kind": i.kind, "ref": i.ref, "title": i.title, "detail": i.detail,
             "when": i.when.isoformat() if i.when else None, "unread": i.unread}
            for i in items
        ], ensure_ascii=False, indent=2))  # fmt: skip
    elif not items:
        click.echo("nothing needs you")
    else:
        for item in items:
            mark = "•" if item.unread else " "
            click.echo(f"{mark} {item.kind:<7} {safe(item.title, 90)}")
            if item.detail:
                click.echo(f"          {safe(item.detail, 90)}")
    if read:
        mark_read(db, me, [i.key for i in items])


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the messages instead of sending them.")
@click.option("--stop", is_flag=True, help="Stop reminders to you.")
@click.option("--resume", is_flag=True, help="Send reminders to you again.")
@db_option
@click.pass_context
def remind(ctx: click.Context, dry_run: bool, stop: bool, resume: bool) -> None:
    """Send each person what they owe (for the server's cron, run by an admin).

    Mails go through [reminders] mail_command to login@mail_domain only; with
    [reminders] to_folder each person gets a file there instead.
    """
    from store.io.reminders import reminders, send, write_file
    from store.read.periods import default_period
    from store.read.rights import is_admin
    from store.write.comments import set_reminders

    app = _app(ctx)
    db, me = app.database(), app.user.username
    if stop or resume:
        if stop and resume:
            raise click.UsageError("give --stop or --resume, not both")
        set_reminders(db, me, wanted=resume)
        click.echo(f"reminders to {me} {'resumed' if resume else 'stopped'}")
        return
    settings = app.settings.reminders
    messages = reminders(db, default_period(db), date.today(), settings.stale_after_days)
    if dry_run:
        for message in messages:
            click.echo(f"--- to {message.username}: {safe(message.subject)}")
            click.echo(message.body)
        click.echo(f"{len(messages)} reminder{'s' if len(messages) != 1 else ''} (not sent)")
        return
    if not is_admin(db, me):
        fail("only an admin sends reminders (the server's cron runs it as the owner); "
             "--dry-run shows them", EXIT_REFUSED)  # fmt: skip
    if settings.to_folder is None and settings.mail_domain is None:
        fail("set [reminders] mail_domain (or to_folder) in the config first", EXIT_REFUSED)
    failures = 0
    for message in messages:
        try:
            if settings.to_folder is not None:
                write_file(message, settings.to_folder)
            else:
                assert settings.mail_domain is not None
                send(message, settings.mail_command, settings.mail_domain)
        except DomainError as exc:  # one bad address or mailer never stops the others
            failures += 1
            click.echo(f"okrtui: {exc}", err=True)
    click.echo(f"{len(messages) - failures} reminder{'s' if len(messages) != 1 else ''} sent")
    if failures:
        ctx.exit(EXIT_REFUSED)
