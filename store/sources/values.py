"""What a source returns, read the one way okrtui reads numbers and dates.

Every number goes through :func:`store.domain.numbers.read_number` (typed convention: a
decimal point; ``1,234`` is ambiguous and refused; NaN and infinity refused), every date
through :func:`store.domain.numbers.read_date`.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from store.domain.numbers import read_date, read_number
from store.errors import ValidationError

MAX_ROWS = 20_000
"""Most dated rows one pull takes (a backfill of 50 years of daily values)."""


class SourceError(Exception):
    """A source failed: the message says why, with no secret in it."""


@dataclass(frozen=True)
class Observation:
    """A value for ``day`` (None: the day of the pull)."""

    day: date | None
    value: float


def number(raw: Any, where: str) -> float:
    """A finite number from what a source gave (text, int, float, Decimal)."""
    if isinstance(raw, Decimal):
        raw = str(raw)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return read_number(raw, where)
    except ValidationError as exc:
        raise SourceError(f"not a number: {exc}") from None


def day_of(raw: Any, where: str) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return read_date(str(raw), where)
    except ValidationError as exc:
        raise SourceError(str(exc)) from None


def rows_to_observations(rows: Sequence[Sequence[Any]], what: str) -> list[Observation]:
    """One row of one value (today's), or rows of (date, value) for a backfill."""
    if not rows:
        raise SourceError(f"{what} returned no rows")
    if len(rows) > MAX_ROWS:
        raise SourceError(f"{what} returned more than {MAX_ROWS} rows")
    width = len(rows[0])
    if width == 1 and len(rows) == 1:
        return [Observation(None, number(rows[0][0], f"{what}'s value"))]
    if width != 2 or any(len(row) != 2 for row in rows):
        raise SourceError(
            f"{what} must return one number, or rows of two columns (date, value); "
            f"got {len(rows)} row(s) of {width} column(s)"
        )
    out = []
    for index, (day, value) in enumerate(rows, start=1):
        where = f"{what}, row {index}"
        out.append(Observation(day_of(day, f"{where}'s date"), number(value, f"{where}'s value")))
    return out


def text_observations(text: str, what: str) -> list[Observation]:
    """A program's output: one number, or CSV rows ``date,value`` (a header row allowed)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise SourceError(f"{what} printed nothing")
    if len(lines) == 1 and "," not in lines[0]:
        return [Observation(None, number(lines[0].strip(), f"{what}'s output"))]
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO("\n".join(lines)))]
    if rows and len(rows[0]) == 2 and _is_header(rows[0]):
        rows = rows[1:]
    return rows_to_observations(rows, what)


def _is_header(row: Iterable[str]) -> bool:
    first = next(iter(row), "")
    return bool(first) and not first[:1].isdigit()


def json_path(document: Any, path: str, what: str) -> Any:
    """The value at ``path`` (``data.result[0].value[1]``) of a parsed JSON document."""
    current = document
    for step in _steps(path):
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                raise SourceError(f"{what}: no item [{step}] at {path!r}")
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                raise SourceError(f"{what}: no key {step!r} at {path!r}")
            current = current[step]
    if isinstance(current, dict | list) or current is None or isinstance(current, bool):
        raise SourceError(f"{what}: {path!r} is not a number")
    return current


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            steps.append(name)
        for index in ("[" + rest).split("[")[1:] if rest else ():
            steps.append(int(index.rstrip("]")))
    return steps
