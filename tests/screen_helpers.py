"""Helpers the screen and command-line tests share: the database file as rows or a dump,
typing into the app, the ctrl+p palette, what a widget shows and what the app told."""

import asyncio
import io
import sqlite3
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static


def rows(path: Path, sql: str, *args: object) -> list[tuple]:
    """Rows of ``sql`` read straight from the SQLite file (not through okrtui)."""
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


def dump(path: Path) -> list[str]:
    """The whole database file as SQL: equal dumps mean nothing at all was written."""
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


async def typing(pilot: Pilot, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def palette(pilot: Pilot, text: str) -> None:
    """Open the palette, type ``text``, wait for its background search, press enter."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    for ch in text:
        await pilot.press("space" if ch == " " else ch)
    await pilot.pause(0.3)  # the palette searches in the background
    await pilot.press("enter")
    await pilot.pause()
    await settle(pilot)  # the tree reads what it jumps to


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (its content may be any Rich renderable)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def notifications(app: App[Any]) -> list[str]:
    """A list that collects every message ``app.notify`` shows from now on, as
    "title: message" (the title empty when none was given)."""
    told: list[str] = []
    notify = app.notify

    def record(message: str, **kw: Any) -> None:
        told.append(f"{kw.get('title', '')}: {message}")
        notify(message, **kw)

    app.notify = record  # type: ignore[method-assign]
    return told


DIALOG_GROUPS = ("dialog",)


async def settle(pilot: Pilot) -> None:
    """Until the app's reading workers are done and their messages handled (a worker's
    answer may start another: the tree's rows, then the detail pane). A dialog flow's
    worker runs as long as its dialog is open: it is not waited for, nor is any other
    flow (an async worker awaiting a form); the store runs in thread workers, and those
    are what is waited for. (Textual 8.2 says which a worker is only in the private
    ``_thread_worker``; this is a test helper, not the app.)"""
    app = pilot.app
    for _ in range(10):
        busy = [
            w
            for w in app.workers
            if w.is_running and w.group not in DIALOG_GROUPS and getattr(w, "_thread_worker", True)
        ]
        if not busy:
            break
        await asyncio.wait_for(app.workers.wait_for_complete(busy), timeout=30)
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()  # the workers' answers, delivered from their threads
    await pilot.pause()  # what they start on the next idle (a DataTable measures its rows)
