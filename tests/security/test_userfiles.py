"""The TUI's only files: the user's exports and imports folders (store/io/userfiles.py).

Each test is an attack a team member could try through the app: a link in place of a
folder or a file, a dotfile, a name with a path in it, a folder owned by someone else.
"""

import os
from pathlib import Path

import pytest

from store.errors import UserFileError
from store.io import userfiles
from store.io.userfiles import list_imports, read_import, save_export


@pytest.fixture
def base(isolated_home: Path) -> Path:
    return isolated_home / "Documents" / "okrtui"


def test_exports_get_generated_names_and_never_overwrite(base: Path) -> None:
    first = save_export("report-2026-Q4", "md", "one")
    second = save_export("report-2026-Q4", "md", "two")
    assert (first.name, second.name) == ("okrtui-report-2026-Q4.md", "okrtui-report-2026-Q4-2.md")
    assert first.read_text() == "one" and second.read_text() == "two"
    assert first.parent == base / "exports"


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("../../.pam_environment", "okrtui-pam_environment.md"),
        ("/etc/cron.d/x", "okrtui-etc_cron.d_x.md"),
        (".bashrc", "okrtui-bashrc.md"),
        ("\x1b]52;c;AAAA\x07", "okrtui-52_c_AAAA.md"),
        ("", "okrtui-report.md"),
    ],
)
def test_a_hostile_period_name_stays_a_plain_name_in_the_exports_folder(
    base: Path, stem: str, name: str
) -> None:
    path = save_export(stem, "md", "x")
    assert path == base / "exports" / name
    assert not name.startswith(".") and "/" not in name.removeprefix("okrtui-")


def test_an_exports_folder_replaced_by_a_link_is_refused(base: Path, isolated_home: Path) -> None:
    base.mkdir(parents=True)
    (base / "exports").symlink_to(isolated_home)
    with pytest.raises(UserFileError, match="not a plain folder"):
        save_export("report", "md", "PYTHONINSPECT DEFAULT=1")
    assert not list(isolated_home.glob("okrtui-*"))


def test_an_existing_file_name_that_is_a_link_is_skipped_not_followed(
    base: Path, isolated_home: Path
) -> None:
    (base / "exports").mkdir(parents=True)
    victim = isolated_home / ".pam_environment"
    (base / "exports" / "okrtui-report.md").symlink_to(victim)
    path = save_export("report", "md", "PYTHONINSPECT DEFAULT=1")
    assert path.name == "okrtui-report-2.md"
    assert not victim.exists()


def test_the_suffix_is_never_taken_from_outside() -> None:
    with pytest.raises(ValueError):
        save_export("report", "md/../../x", "")


def test_only_plain_visible_csv_files_are_offered_for_import(base: Path) -> None:
    imports = base / "imports"
    imports.mkdir(parents=True)
    (imports / "values.csv").write_text("kpi,date,value\n")
    (imports / "notes.txt").write_text("kpi,date,value\n")
    (imports / ".secret.csv").write_text("x")
    (imports / "passwd.csv").symlink_to("/etc/passwd")
    (imports / "dir.csv").mkdir()
    (imports / "script.sh").write_text("x")
    assert [f.name for f in list_imports()] == ["notes.txt", "values.csv"]


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd", "/etc/passwd", ".secret.csv", "sub/x.csv", "passwd.csv"]
)
def test_reading_refuses_paths_dotfiles_and_links(base: Path, name: str) -> None:
    imports = base / "imports"
    imports.mkdir(parents=True)
    (imports / "passwd.csv").symlink_to("/etc/passwd")
    (imports / ".secret.csv").write_text("secret")
    with pytest.raises(UserFileError) as caught:
        read_import(name)
    assert "root:" not in str(caught.value)


def test_reading_a_fifo_does_not_hang(base: Path) -> None:
    imports = base / "imports"
    imports.mkdir(parents=True)
    os.mkfifo(imports / "pipe.csv")
    with pytest.raises(UserFileError, match="not a plain file"):
        read_import("pipe.csv")


def test_a_folder_owned_by_someone_else_is_refused(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (base / "imports").mkdir(parents=True)
    real = os.getuid()
    monkeypatch.setattr(userfiles.os, "getuid", lambda: real + 4242)
    with pytest.raises(UserFileError, match="belongs to another user"):
        list_imports()


def test_a_file_that_is_no_kpi_csv_is_never_repeated_back() -> None:
    """Issue 13 finding 2: importing /etc/passwd showed its first line in the error."""
    from store.io.kpi_csv import parse_kpi_csv

    secret = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n"
    for data in (secret, secret.replace(b":", b","), b"a;b;c\nsecret;values;here\n"):
        parsed = parse_kpi_csv(data)
        shown = " ".join(str(e) for e in parsed.errors)
        assert parsed.errors and "not a header" in shown, shown
        for word in ("root", "bash", "daemon", "secret"):
            assert word not in shown, shown


async def test_a_file_name_with_markup_is_listed_literally(make_app, demo_path, me) -> None:
    """The import form lists file names: "[bold]…" or "[@click=…]" must style nothing."""
    from textual.widgets import OptionList

    from okrtui.modals.kpi_forms import ImportFileForm

    imports = Path.home() / "Documents" / "okrtui" / "imports"
    imports.mkdir(parents=True)
    name = "q4 [bold]x [@click=app.quit]y.csv"
    (imports / name).write_text("kpi,date,value\n")
    app = make_app(demo_path, me)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = ImportFileForm()
        await app.push_screen(form)
        await pilot.pause()
        await pilot.press("enter")  # open the list
        await pilot.pause()
        options = form.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(name in prompt for prompt in prompts), prompts
        assert app.return_code is None
