"""store.identity: the user is the Unix account of the process, never an env variable."""

import os
import pwd

import pytest

import store.identity as identity
from store.errors import IdentityError
from store.identity import User, current_user, current_username

REAL = pwd.getpwuid(os.getuid())


def _passwd(name: str, gecos: str) -> pwd.struct_passwd:
    real = REAL
    return pwd.struct_passwd(
        (name, "x", real.pw_uid, real.pw_gid, gecos, real.pw_dir, real.pw_shell)
    )


def _unused_uid() -> int:
    taken = {entry.pw_uid for entry in pwd.getpwall()}
    return next(uid for uid in range(54_321, 2**31) if uid not in taken)


def test_current_username_is_the_account_of_the_real_uid() -> None:
    assert current_username() == pwd.getpwuid(os.getuid()).pw_name


def test_environment_cannot_change_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = pwd.getpwuid(os.getuid()).pw_name
    assert expected != "mallory"
    for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "mallory")
    assert current_username() == expected
    assert current_user().username == expected
    assert current_user("Display").username == expected


def test_uid_without_passwd_entry_is_an_explicit_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(identity.pwd, "getpwuid", missing)
    monkeypatch.setenv("USER", "mallory")
    with pytest.raises(IdentityError, match=rf"uid {os.getuid()} has no entry"):
        current_username()
    with pytest.raises(IdentityError):
        current_user()
    with pytest.raises(IdentityError):
        current_user("Named Anyway")


def test_real_unknown_uid_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    uid = _unused_uid()
    monkeypatch.setattr(identity.os, "getuid", lambda: uid)
    with pytest.raises(IdentityError, match=str(uid)):
        current_username()


def test_display_name_from_config_is_cosmetic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity.pwd, "getpwuid", lambda uid: _passwd("ann", "Ann Example"))
    assert current_user("The Boss") == User("ann", "The Boss")


@pytest.mark.parametrize(
    ("gecos", "shown"),
    [
        ("Ann Example,Room 101,555-0101,,", "Ann Example"),
        ("  Ann Example  ", "Ann Example"),
        ("", "ann"),
        (",,,", "ann"),
    ],
)
def test_display_name_defaults_to_gecos_then_login(
    monkeypatch: pytest.MonkeyPatch, gecos: str, shown: str
) -> None:
    monkeypatch.setattr(identity.pwd, "getpwuid", lambda uid: _passwd("ann", gecos))
    assert current_user() == User("ann", shown)
    assert current_user("") == User("ann", shown)
