"""``file`` sources: a CSV column or a JSON path in a file.

The file actually opened (after any symbolic link) must belong to the account that
defined the source: in team mode the scheduled pull runs as the server's owner, and a
member must not make it read a file of the owner's or anyone else's (a symbolic link to
``~owner/.secret``, a hard link to another user's file) and publish a number from it.
The check is made on the opened file itself (``fstat``), so swapping the path after the
check changes nothing. Only regular files are read (a FIFO would hang the pull), at most
:data:`MAX_OUTPUT` bytes.
"""

import csv
import io
import json
import os
import pwd
import stat
from collections.abc import Mapping
from typing import Any

from store.domain.kpi_sources import MAX_OUTPUT
from store.sources.values import (
    Observation,
    SourceError,
    day_of,
    json_path,
    number,
    rows_to_observations,
)


def _owner_uid(username: str) -> int:
    try:
        return pwd.getpwnam(username).pw_uid
    except KeyError:
        raise SourceError(f"the source's author @{username} has no account here") from None


def read_checked(path: str, owner: str) -> bytes:
    """The bytes of ``path`` if it is a regular file belonging to ``owner``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise SourceError(f"cannot open {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"{path} is not a regular file")
        if info.st_uid != _owner_uid(owner):
            raise SourceError(
                f"{path} does not belong to @{owner}, who defined this source: a source reads "
                "only its author's own files"
            )
        if info.st_size > MAX_OUTPUT:
            raise SourceError(f"{path} is larger than {MAX_OUTPUT} bytes")
        data = os.read(fd, MAX_OUTPUT + 1)
    finally:
        os.close(fd)
    return data


def fetch(spec: Mapping[str, Any], defined_by: str) -> list[Observation]:
    """The value(s) of the file's column or JSON path."""
    path = str(spec["path"])
    text = read_checked(path, defined_by).decode("utf-8-sig", "replace")
    if spec["format"] == "json":
        try:
            document = json.loads(text)
        except ValueError:
            raise SourceError(f"{path} is not JSON") from None
        where = f"{path} {spec['json_path']}"
        return [Observation(None, number(json_path(document, spec["json_path"], path), where))]
    return _csv(text, path, str(spec["column"]), spec.get("date_column"))


def _csv(text: str, path: str, column: str, date_column: str | None) -> list[Observation]:
    reader = csv.DictReader(io.StringIO(text))
    fields = reader.fieldnames or []
    for wanted in (column, date_column):
        if wanted is not None and wanted not in fields:
            raise SourceError(f"{path} has no column {wanted!r} (columns: {', '.join(fields)})")
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise SourceError(f"{path} is not readable CSV: {exc}") from None
    if not rows:
        raise SourceError(f"{path} has no rows")
    if date_column is None:
        last = rows[-1]
        return [Observation(None, number(last[column], f"{path} {column}"))]
    dated = [(row[date_column], row[column]) for row in rows]
    out = rows_to_observations(dated, path)
    return [Observation(day_of(o.day, path) if o.day else None, o.value) for o in out]
