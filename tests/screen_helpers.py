"""Helpers the screen and command-line tests share: the database file as rows or a dump,
typing into the app, and the ctrl+p palette."""

import sqlite3
from pathlib import Path

from textual.pilot import Pilot


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
    await pilot.pause()
