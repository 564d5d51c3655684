"""File modes for a database shared by a Unix group (a team server).

SQLite creates a new database 0644 whatever the umask, so a second member gets
"attempt to write a readonly database". A shared database therefore lives in a
directory owned by the team's group with the setgid bit (new files inherit the
group), and the file is pre-created 0660: SQLite gives its ``-wal``/``-shm`` files
the database's mode, and migration backups copy it, so every file stays group
read-write and nothing is world-writable. This module prepares such a directory and
reports (with the commands that fix it) anything that would let non-members in or
lock members out.

The directory also has the sticky bit (3770): without it any member could replace the
database (``cp okrtui.db x && mv -f x okrtui.db``), own the new file, and lock the
others out with its mode. With it only a file's owner (an admin, who ran ``team init``)
or root may rename or delete it; members still create and write ``-wal``/``-shm``.
"""

import grp
import os
import pwd
import re
import shlex
import sqlite3
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from store.db.sqlite_file import create_file
from store.errors import TeamSetupError

DB_NAME = "okrtui.db"
DIR_MODE = 0o3770  # setgid + sticky, group rwx, no access for others
FILE_MODE = 0o660
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smbfs", "sshfs", "fuse.sshfs"}


@dataclass(frozen=True)
class Problem:
    """Something wrong with a shared database's files, and the shell command that fixes it."""

    path: Path
    issue: str
    fix: str
    serious: bool = True  # False: a warning (e.g. readable by non-members)

    def __str__(self) -> str:
        return f"{self.path}: {self.issue}. Fix: {self.fix}"


def group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise TeamSetupError(
            f"there is no Unix group {name!r}; create it first (groupadd {shlex.quote(name)})"
        ) from None


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def database_files(db: Path) -> Iterator[Path]:
    """The database and every file SQLite or okrtui makes beside it."""
    yield db
    for suffix in ("-wal", "-shm", "-journal"):
        extra = db.with_name(db.name + suffix)
        if extra.exists():
            yield extra
    yield from sorted(db.parent.glob(f"{db.name}.bak-*"))


def filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding ``path`` (Linux /proc/self/mounts), if known."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, kind = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def _q(path: Path) -> str:
    return shlex.quote(str(path))


def check_shared(
    db: Path, group: str | None = None, admins: Collection[str] | None = None
) -> list[Problem]:
    """What is wrong with a shared database's directory and files (empty: all good).

    ``group`` is the team's group; by default the directory's group. ``admins``: the
    database's admins, who should own the database file and its backups.
    """
    directory = db.parent
    problems: list[Problem] = []
    try:
        dst = directory.stat()
    except OSError as exc:
        return [Problem(directory, f"cannot be read ({exc.strerror})", "check the path")]
    gid = group_id(group) if group else dst.st_gid
    gname = group_name(gid)
    mode = stat.S_IMODE(dst.st_mode)
    if dst.st_gid != gid:
        problems.append(
            Problem(
                directory,
                f"belongs to group {group_name(dst.st_gid)}, not {gname}",
                f"chgrp {shlex.quote(gname)} {_q(directory)}",
            )
        )
    if not mode & stat.S_ISGID:
        problems.append(
            Problem(
                directory,
                "has no setgid bit, so new files (-wal, -shm, backups) would "
                "get the creator's group",
                f"chmod g+s {_q(directory)}",
            )
        )
    if not mode & stat.S_ISVTX:
        problems.append(
            Problem(
                directory,
                "has no sticky bit, so any member can replace the database with a copy "
                "they own (cp + mv) and lock the others out",
                f"chmod +t {_q(directory)}",
            )
        )
    if mode & 0o070 != 0o070:
        problems.append(
            Problem(
                directory,
                "is not group-writable, so members cannot create the -wal and -shm files",
                f"chmod g+rwx {_q(directory)}",
            )
        )
    if mode & stat.S_IWOTH:
        problems.append(
            Problem(
                directory,
                "is world-writable: anyone could replace the database",
                f"chmod o-w {_q(directory)}",
            )
        )
    kind = filesystem_type(directory)
    if kind in NETWORK_FILESYSTEMS:
        problems.append(
            Problem(
                directory,
                f"is on a network filesystem ({kind}), where SQLite's WAL mode does not work",
                "put the database on a local disk",
            )
        )
    if not db.exists():
        problems.append(
            Problem(db, "does not exist", f"okrtui team init {_q(directory)} --group {gname}")
        )
        return problems
    for path in database_files(db):
        problems += _check_file(path, gid, gname)
    problems += _foreign_files(db, admins)
    return problems


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _foreign_files(db: Path, admins: Collection[str] | None) -> list[Problem]:
    """Files okrtui did not make, and database files owned by someone who is no admin."""
    found: list[Problem] = []
    expected = re.compile(
        rf"{re.escape(db.name)}(-wal|-shm|-journal|\.bak-[0-9a-f]+-\d{{8}}T\d{{6}})?"
    )
    for entry in sorted(db.parent.iterdir()):
        try:
            owner = user_name(entry.lstat().st_uid)
        except OSError:
            continue
        if not expected.fullmatch(entry.name) or entry.is_symlink():
            found.append(
                Problem(
                    entry,
                    f"was not made by okrtui (owner {owner}): nothing but the database and "
                    "its -wal, -shm and backups belongs in a team directory",
                    f"rm -ri {_q(entry)}   # or move it elsewhere",
                )
            )
        elif (
            admins is not None
            and owner not in admins
            and not entry.name.endswith(("-wal", "-shm", "-journal"))
        ):
            # -wal and -shm are made by whoever opens the database first: any member.
            heir = shlex.quote(sorted(admins)[0]) if admins else "ADMIN"
            found.append(
                Problem(
                    entry,
                    f"is owned by {owner}, who is not an admin (admins: "
                    f"{', '.join(sorted(admins)) or 'none'}): a member may have replaced it",
                    f"check its contents, then chown {heir} {_q(entry)}",
                )
            )
    return found


def recorded_admins(db: Path) -> list[str] | None:
    """The admin list stored in ``db``, read-only (None when it cannot be read)."""
    from store.db.sqlite_file import read_only_uri

    for uri in (f"file:{db}?mode=ro", read_only_uri(db)):
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=5)
        except sqlite3.Error:
            continue
        try:
            return [row[0] for row in conn.execute("SELECT username FROM admin")]
        except sqlite3.Error:
            continue
        finally:
            conn.close()
    return None


def _check_file(path: Path, gid: int, gname: str) -> list[Problem]:
    try:
        st = path.stat()
    except OSError:
        return []  # a -wal that vanished between listing and stat
    mode = stat.S_IMODE(st.st_mode)
    found: list[Problem] = []
    if st.st_gid != gid:
        found.append(
            Problem(
                path,
                f"belongs to group {group_name(st.st_gid)}, so {gname} members are locked out",
                f"chgrp {shlex.quote(gname)} {_q(path)}",
            )
        )
    if mode & 0o060 != 0o060:
        found.append(
            Problem(
                path,
                f"is mode {mode:04o}: {gname} members cannot write it",
                f"chmod g+rw {_q(path)}",
            )
        )
    if mode & stat.S_IWOTH:
        found.append(
            Problem(
                path,
                f"is mode {mode:04o}: world-writable, anyone can change it",
                f"chmod o-rwx {_q(path)}",
            )
        )
    elif mode & stat.S_IROTH:
        found.append(
            Problem(
                path,
                f"is mode {mode:04o}: readable by people outside {gname}",
                f"chmod o-rwx {_q(path)}",
                serious=False,
            )
        )
    return found


def prepare_directory(directory: Path, group: str) -> list[str]:
    """Create or fix the team directory: group-owned, setgid, 2770. Returns what was done."""
    gid = group_id(group)
    done: list[str] = []
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
        done.append(f"created {directory}")
    elif not directory.is_dir():
        raise TeamSetupError(f"{directory} exists and is not a directory")
    st = directory.stat()
    try:
        if st.st_gid != gid:
            os.chown(directory, -1, gid)
            done.append(f"gave {directory} to group {group}")
        if stat.S_IMODE(st.st_mode) != DIR_MODE:
            os.chmod(directory, DIR_MODE)
            done.append(
                f"set {directory} to mode 3770 (setgid, sticky: members cannot replace the "
                "database; group rwx, others nothing)"
            )
    except PermissionError as exc:
        raise TeamSetupError(
            f"cannot change {directory} ({exc.strerror}): run this as the directory's owner "
            f"and a member of {group}, or as root"
        ) from exc
    return done


def prepare_database_file(db: Path, group: str) -> list[str]:
    """Pre-create the database 0660 (or fix an existing one's files). Returns what was done."""
    gid = group_id(group)
    done: list[str] = []
    if not db.exists():
        create_file(db)
        os.chown(db, -1, gid)
        os.chmod(db, FILE_MODE)
        done.append(f"created {db} mode 0660 for group {group}")
        return done
    for path in database_files(db):
        st = path.stat()
        try:
            if st.st_gid != gid:
                os.chown(path, -1, gid)
                done.append(f"gave {path} to group {group}")
            mode = stat.S_IMODE(st.st_mode)
            if mode != FILE_MODE:
                os.chmod(path, FILE_MODE)
                done.append(f"changed {path} from mode {mode:04o} to 0660")
        except PermissionError as exc:
            raise TeamSetupError(
                f"cannot change {path} ({exc.strerror}): run this as its owner or as root"
            ) from exc
    return done
