"""Tests for store/config.py: every file lives under tmp_path, never the real HOME."""

import math
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.config import (
    TEMPLATE,
    DatabaseSettings,
    ScoringSettings,
    Settings,
    UiSettings,
    UserSettings,
    load_settings,
    render_settings,
    save_setting,
)
from store.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

DATA = Path(__file__).parents[1] / "data" / "config"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every location okrtui might use at tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("OKRTUI_CONFIG", str(home / ".config" / "okrtui" / "config.toml"))
    monkeypatch.setenv("OKRTUI_SYSTEM_CONFIG", str(tmp_path / "etc" / "okrtui" / "config.toml"))
    monkeypatch.delenv("OKRTUI_DB", raising=False)
    return tmp_path


@pytest.fixture
def user_file(isolated: Path) -> Path:
    return Path(os.environ["OKRTUI_CONFIG"])


@pytest.fixture
def system_file(isolated: Path) -> Path:
    path = Path(os.environ["OKRTUI_SYSTEM_CONFIG"])
    path.parent.mkdir(parents=True)
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fixture_copy(name: str, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / name, dest)
    return dest


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def defaults_only(s: Settings) -> tuple:
    return (s.database, s.scoring, s.ui, s.user, s.keymap, s.team)


# --- first run -------------------------------------------------------------------------


def test_first_run_writes_commented_defaults(user_file: Path) -> None:
    settings = load_settings()

    assert user_file.read_text(encoding="utf-8") == TEMPLATE
    assert defaults_only(settings) == defaults_only(Settings())
    assert settings.source_files == (user_file,)
    assert settings.warnings == ()
    assert stat.S_IMODE(user_file.stat().st_mode) == 0o600  # a URL may hold a password
    assert leftovers(user_file.parent) == []


def test_template_parses_and_has_a_comment_above_every_key() -> None:
    doc = tomllib.loads(TEMPLATE)
    assert set(doc) == {"database", "scoring", "ui", "user", "reminders", "keymap"}
    lines = TEMPLATE.splitlines()
    keys = [i for i, line in enumerate(lines) if line and not line.startswith(("#", "["))]
    assert len(keys) == 5
    for i in keys:
        assert lines[i - 1].startswith("#"), f"no comment above {lines[i]!r}"
    for i, line in enumerate(lines):
        if line.startswith("["):
            assert lines[i + 1].startswith("#"), f"no comment for section {line}"
    for example in ("# path =", "# url =", "# display_name =", '# new_objective = "N"',
                    "# stale_after_days = 7", '# mail_domain = "example.com"'):  # fmt: skip
        assert example in TEMPLATE


def test_template_values_match_dataclass_defaults() -> None:
    doc = tomllib.loads(TEMPLATE)
    assert ScoringSettings(**doc["scoring"]) == ScoringSettings()
    assert UiSettings(**doc["ui"]) == UiSettings()
    assert doc["database"] == {} and doc["user"] == {} and doc["keymap"] == {}
    assert doc["reminders"] == {}


def test_create_false_writes_nothing(user_file: Path) -> None:
    settings = load_settings(create=False)
    assert not user_file.exists()
    assert settings.source_files == ()
    assert defaults_only(settings) == defaults_only(Settings())


def test_explicit_paths_beat_the_environment(isolated: Path, user_file: Path) -> None:
    mine = isolated / "elsewhere" / "okr.toml"
    load_settings(mine, system_path=isolated / "nothing.toml")
    assert mine.exists() and not user_file.exists()


def test_first_run_does_not_shadow_the_system_file(user_file: Path, system_file: Path) -> None:
    write(system_file, '[ui]\ntheme = "nord"\n[scoring]\non_track = 0.6\n')

    settings = load_settings()

    assert settings.ui.theme == "nord"
    assert settings.scoring.on_track == 0.6
    written = user_file.read_text(encoding="utf-8")
    assert str(system_file) in written
    assert tomllib.loads(written) == {k: {} for k in tomllib.loads(TEMPLATE)}
    assert load_settings().ui.theme == "nord"  # and still on the second run


# --- read-only locations: warn, never crash --------------------------------------------


def test_unwritable_config_dir_is_a_warning(
    user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)

    settings = load_settings()

    assert defaults_only(settings) == defaults_only(Settings())
    assert len(settings.warnings) == 1
    assert str(user_file) in settings.warnings[0]
    assert "Permission denied" in settings.warnings[0]
    assert not user_file.exists()
    assert leftovers(user_file.parent) == []


def test_config_dir_that_cannot_exist_is_a_warning(isolated: Path) -> None:
    blocker = write(isolated / "blocker", "a file where a folder should be\n")
    settings = load_settings(blocker / "okrtui" / "config.toml")
    assert settings.source_files == ()
    assert "could not write the default config" in settings.warnings[0]
    assert blocker.read_text() == "a file where a folder should be\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_config_dir_is_a_warning(isolated: Path) -> None:
    folder = isolated / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        settings = load_settings(folder / "config.toml")
    finally:
        folder.chmod(0o755)
    assert settings.warnings and not (folder / "config.toml").exists()


# --- layers ----------------------------------------------------------------------------


def test_system_file_then_user_override(user_file: Path, system_file: Path) -> None:
    write(
        system_file,
        '[database]\nurl = "postgresql:///okrtui"\n'
        '[scoring]\non_track = 0.6\nat_risk = 0.2\n[ui]\ntheme = "nord"\nsparkline_length = 50\n'
        '[team]\nname = "Platform"\n[team.calendar]\nweek_starts = "monday"\n',
    )
    write(
        user_file,
        '[ui]\ntheme = "dracula"\n[scoring]\non_track = 0.65\n'
        '[team.calendar]\nreminder = "friday"\n[keymap]\nnew_objective = "N"\n',
    )

    settings = load_settings()

    assert settings.source_files == (system_file, user_file)
    assert settings.ui == UiSettings(theme="dracula", sparkline_length=50)
    assert settings.scoring == ScoringSettings(overperforming=1.0, on_track=0.65, at_risk=0.2)
    assert settings.database == DatabaseSettings(url="postgresql:///okrtui")
    assert settings.team == {
        "name": "Platform",
        "calendar": {"week_starts": "monday", "reminder": "friday"},
    }
    assert settings.keymap == {"new_objective": "N"}
    assert settings.warnings == ()


def test_empty_string_clears_a_system_database_path(user_file: Path, system_file: Path) -> None:
    write(system_file, '[database]\npath = "/srv/okr/team.db"\n')
    write(user_file, '[database]\npath = ""\n')
    assert load_settings().database.path is None


def test_good_fixture(isolated: Path) -> None:
    path = fixture_copy("good.toml", isolated / "cfg" / "config.toml")

    settings = load_settings(path)

    assert settings.database.path == isolated / "cfg" / "data" / "okrs.db"
    assert settings.scoring == ScoringSettings(1.2, 0.75, 0.25)
    assert settings.ui == UiSettings(theme="nord", sparkline_length=40)
    assert settings.user == UserSettings(display_name="Ada Lovelace")
    assert settings.keymap == {"new_objective": "N", "check_in": "ctrl+k,c"}
    assert settings.team == {"name": "Platform"}
    assert settings.warnings == ()


def test_team_admins_are_ignored_with_a_warning(user_file: Path) -> None:
    write(user_file, '[team]\nname = "Platform"\nadmins = ["mallory"]\n')
    settings = load_settings()
    assert settings.team == {"name": "Platform"}
    assert any("team.admins" in w and "database" in w for w in settings.warnings)


# --- errors: the file is named, nothing is overwritten ---------------------------------


def test_malformed_toml_names_file_and_line(user_file: Path) -> None:
    fixture_copy("not_toml.toml", user_file)
    before = user_file.read_bytes()

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert str(info.value).startswith(f"{user_file} line 3: ")
    assert "Expected '='" in str(info.value)
    assert info.value.path == user_file and info.value.line == 3
    assert user_file.read_bytes() == before
    assert leftovers(user_file.parent) == []


def test_truncated_toml_reports_the_last_line(user_file: Path) -> None:
    write(user_file, '[ui]\ntheme = "nord"\nsparkline_length = """4')
    with pytest.raises(ConfigError, match=r"line 3: Unterminated string"):
        load_settings()


def test_malformed_system_file_is_named(system_file: Path) -> None:
    write(system_file, "[ui\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.path == system_file and f"{system_file} line 1" in str(info.value)


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_empty_file_is_an_error_not_defaults(user_file: Path, text: str) -> None:
    write(user_file, text)
    with pytest.raises(ConfigError, match="is empty; delete it") as info:
        load_settings()
    assert str(user_file) in str(info.value)
    assert user_file.read_text() == text


def test_not_utf8_names_the_line(user_file: Path) -> None:
    user_file.parent.mkdir(parents=True)
    user_file.write_bytes(b'[ui]\ntheme = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"line 2: not UTF-8"):
        load_settings()


def test_config_path_that_is_a_directory(user_file: Path) -> None:
    user_file.mkdir(parents=True)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings()


def test_wrong_type_names_the_key(user_file: Path) -> None:
    fixture_copy("wrong_type.toml", user_file)
    before = user_file.read_bytes()
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert 'ui.sparkline_length must be an integer, got "5000" (a string)' in message
    assert str(user_file) in message
    assert user_file.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[ui]\nsparkline_length = true", "ui.sparkline_length", "an integer"),
        ("[ui]\nsparkline_length = 26.0", "ui.sparkline_length", "an integer"),
        ("[scoring]\non_track = true", "scoring.on_track", "a number"),
        ('[scoring]\nat_risk = "0.3"', "scoring.at_risk", "a number"),
        ("[ui]\ntheme = 7", "ui.theme", "a non-empty string"),
        ('[ui]\ntheme = ""', "ui.theme", "a non-empty string"),
        ("[database]\npath = 3", "database.path", "a string"),
        ('[database]\nurl = "/home/ada/okr.db"', "database.url", "an SQLAlchemy URL"),
        ("[user]\ndisplay_name = []", "user.display_name", "a non-empty string"),
        ("[keymap]\nnew_objective = 1", "keymap.new_objective", "a non-empty string"),
        ("ui = 3", "[ui]", "a table"),
    ],
)
def test_wrong_types_are_refused(user_file: Path, text: str, key: str, expected: str) -> None:
    write(user_file, text + "\n")
    with pytest.raises(ConfigError, match=re.escape(f"{key} must be {expected}")):
        load_settings()


@pytest.mark.parametrize("value", [1, 501, -26])
def test_sparkline_length_range(user_file: Path, value: int) -> None:
    write(user_file, f"[ui]\nsparkline_length = {value}\n")
    with pytest.raises(ConfigError, match="between 2 and 500"):
        load_settings()


@pytest.mark.parametrize("value", [2, 500])
def test_sparkline_length_bounds_are_allowed(user_file: Path, value: int) -> None:
    write(user_file, f"[ui]\nsparkline_length = {value}\n")
    assert load_settings().ui.sparkline_length == value


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "+inf"])
def test_non_finite_threshold_is_refused(user_file: Path, value: str) -> None:
    write(user_file, f"[scoring]\noverperforming = {value}\n")
    assert not math.isfinite(tomllib.loads(f"x = {value}")["x"])  # valid TOML, though
    with pytest.raises(
        ConfigError, match=re.escape("scoring.overperforming must be a finite number")
    ):
        load_settings()


@pytest.mark.parametrize(
    ("scoring", "named"),
    [
        ("overperforming = 0.5", ("scoring.overperforming", "scoring.on_track")),
        ("on_track = 0.2", ("scoring.on_track", "scoring.at_risk")),
        ("at_risk = 0.9", ("scoring.on_track", "scoring.at_risk")),
        ("at_risk = -0.1", ("scoring.at_risk", "negative")),
    ],
)
def test_thresholds_out_of_order(user_file: Path, scoring: str, named: tuple[str, str]) -> None:
    write(user_file, f"[scoring]\n{scoring}\n")
    with pytest.raises(ConfigError, match="overperforming >= on_track >= at_risk >= 0") as info:
        load_settings()
    assert all(part in str(info.value) for part in named)
    assert str(user_file) in str(info.value)


def test_order_is_checked_across_files(user_file: Path, system_file: Path) -> None:
    write(system_file, "[scoring]\nat_risk = 0.5\n")
    write(user_file, "[scoring]\non_track = 0.4\n")
    with pytest.raises(
        ConfigError, match=re.escape("scoring.on_track = 0.4 is below scoring.at_risk")
    ):
        load_settings()


def test_integer_thresholds_are_fine(user_file: Path) -> None:
    write(user_file, "[scoring]\noverperforming = 2\non_track = 1\nat_risk = 0\n")
    assert load_settings().scoring == ScoringSettings(2.0, 1.0, 0.0)


def test_control_characters_are_refused(user_file: Path) -> None:
    write(user_file, '[user]\ndisplay_name = "Ada\\u001b]0;pwned\\u0007"\n')
    with pytest.raises(ConfigError, match=re.escape("user.display_name contains control")):
        load_settings()


def test_unknown_keys_are_warnings(isolated: Path) -> None:
    path = fixture_copy("extra_key.toml", isolated / "cfg" / "config.toml")

    settings = load_settings(path)

    assert settings.ui.theme == "gruvbox"
    assert f"unknown key ui.colour in {path}" in settings.warnings[0]
    assert f"unknown section [colours] in {path}" in settings.warnings[1]


def test_warnings_never_echo_control_characters(user_file: Path) -> None:
    write(user_file, '[ui]\n"x\\u001b[2J" = 1\n')
    (warning,) = load_settings().warnings
    assert "\x1b" not in warning and "\\x1b" in warning


# --- database target -------------------------------------------------------------------


def test_database_target_precedence(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    both = Settings(database=DatabaseSettings(path=Path("/d/file.db"), url="sqlite:///u.db"))
    path_only = Settings(database=DatabaseSettings(path=Path("/d/file.db")))

    assert both.database_target({"OKRTUI_DB": "/env/okr.db"}) == "/env/okr.db"
    assert both.database_target({"OKRTUI_DB": "postgresql:///x"}) == "postgresql:///x"
    assert both.database_target({}) == "sqlite:///u.db"
    assert both.database_target({"OKRTUI_DB": "  "}) == "sqlite:///u.db"
    assert path_only.database_target({}) == "/d/file.db"
    default = Settings().database_target({})
    assert default == str(isolated / "home" / ".local" / "share" / "okrtui" / "okrtui.db")
    assert not Path(default).parent.exists()  # computing the path creates nothing

    monkeypatch.setenv("OKRTUI_DB", "~/team.db")
    assert both.database_target() == str(isolated / "home" / "team.db")


def test_url_and_path_together_warn(user_file: Path) -> None:
    write(user_file, '[database]\npath = "a.db"\nurl = "sqlite:///b.db"\n')
    settings = load_settings()
    assert settings.database_target({}) == "sqlite:///b.db"
    assert any("database.path" in w and "ignored" in w for w in settings.warnings)


def test_relative_database_path_is_taken_from_the_config_folder(
    isolated: Path, user_file: Path, system_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(isolated)
    write(user_file, '[database]\npath = "../okr/./mine.db"\n')
    assert load_settings().database.path == user_file.parent.parent / "okr" / "mine.db"

    write(user_file, '[database]\npath = "~/okrs.db"\n')
    assert load_settings().database.path == isolated / "home" / "okrs.db"

    write(system_file, '[database]\npath = "team.db"\n')
    user_file.unlink()
    assert load_settings(create=False).database.path == system_file.parent / "team.db"


# --- save_setting ----------------------------------------------------------------------


def test_save_setting_keeps_other_keys_and_comments(user_file: Path) -> None:
    load_settings()  # writes the commented template

    save_setting("ui", "theme", "nord")
    save_setting("keymap", "new_objective", "N")
    save_setting("database", "path", "okr.db")
    save_setting("team", "name", "Platform")

    text = user_file.read_text(encoding="utf-8")
    assert "# Textual theme name" in text and "# How many of the latest values" in text
    settings = load_settings()
    assert settings.ui == UiSettings(theme="nord", sparkline_length=26)
    assert settings.scoring == ScoringSettings()
    assert settings.keymap == {"new_objective": "N"}
    assert settings.database.path == user_file.parent / "okr.db"
    assert settings.team == {"name": "Platform"}
    assert leftovers(user_file.parent) == []
    assert sorted(p.name for p in user_file.parent.iterdir()) == ["config.toml"]


def test_save_setting_keeps_unknown_and_uncommon_keys(user_file: Path) -> None:
    # dotted keys defeat the one-line edit: the tomli-w rewrite must still keep every key
    write(user_file, 'ui.theme = "nord"\nui.colour = "red"\n[team]\nname = "A"\n')
    save_setting("ui", "sparkline_length", 30)
    assert tomllib.loads(user_file.read_text()) == {
        "ui": {"theme": "nord", "colour": "red", "sparkline_length": 30},
        "team": {"name": "A"},
    }


def test_save_setting_creates_a_missing_file_from_the_template(user_file: Path) -> None:
    save_setting("scoring", "on_track", 0.8)
    text = user_file.read_text(encoding="utf-8")
    assert text.startswith("# okrtui configuration")
    assert tomllib.loads(text)["scoring"]["on_track"] == 0.8


def test_save_setting_preserves_mode_and_symlink(isolated: Path, user_file: Path) -> None:
    real = write(isolated / "dotfiles" / "okrtui.toml", '[ui]\ntheme = "nord"\n')
    real.chmod(0o640)
    user_file.parent.mkdir(parents=True)
    user_file.symlink_to(real)

    save_setting("ui", "theme", "dracula")

    assert user_file.is_symlink()
    assert tomllib.loads(real.read_text())["ui"]["theme"] == "dracula"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_save_setting_is_atomic(user_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(user_file, '[ui]\ntheme = "nord"\n')
    before = user_file.read_bytes()

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        save_setting("ui", "theme", "dracula")

    assert user_file.read_bytes() == before
    assert leftovers(user_file.parent) == []


@pytest.mark.parametrize("name", ["not_toml.toml", "wrong_type.toml"])
def test_save_setting_on_a_bad_file_leaves_it_untouched(user_file: Path, name: str) -> None:
    fixture_copy(name, user_file)
    before = user_file.read_bytes()
    with pytest.raises(ConfigError) as info:
        save_setting("ui", "theme", "nord")
    assert str(user_file) in str(info.value)
    assert user_file.read_bytes() == before
    assert leftovers(user_file.parent) == []


def test_save_setting_on_an_empty_file_raises(user_file: Path) -> None:
    write(user_file, "")
    with pytest.raises(ConfigError, match="is empty"):
        save_setting("ui", "theme", "nord")
    assert user_file.read_bytes() == b""


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("ui", "sparkline_length", "5000", "ui.sparkline_length must be an integer"),
        ("ui", "sparkline_length", True, "ui.sparkline_length must be an integer"),
        ("scoring", "on_track", math.inf, "scoring.on_track must be a finite number"),
        ("scoring", "on_track", 1.5, "below scoring.on_track = 1.5"),
        ("ui", "colour", "red", "unknown key ui.colour"),
        ("colours", "accent", "red", r"unknown section \[colours\]"),
    ],
)
def test_save_setting_refuses_what_load_would_refuse(
    user_file: Path, section: str, key: str, value: object, message: str
) -> None:
    load_settings()
    before = user_file.read_bytes()
    with pytest.raises(ConfigError, match=message):
        save_setting(section, key, value)  # type: ignore[arg-type]
    assert user_file.read_bytes() == before


def test_save_setting_checks_order_against_the_system_file(
    user_file: Path, system_file: Path
) -> None:
    write(system_file, "[scoring]\nat_risk = 0.5\n")
    with pytest.raises(ConfigError, match=re.escape("scoring.at_risk")):
        save_setting("scoring", "on_track", 0.4)
    assert not user_file.exists()


@settings(max_examples=60, deadline=None)
@given(theme=st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1))
def test_saved_theme_round_trips(theme: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        system = Path(folder) / "none.toml"
        path.write_text(TEMPLATE, encoding="utf-8")
        if not theme.strip():
            with pytest.raises(ConfigError):
                save_setting("ui", "theme", theme, path, system_path=system)
            return
        save_setting("ui", "theme", theme, path, system_path=system)
        assert load_settings(path, system_path=system).ui.theme == theme
        assert "# Textual theme name" in path.read_text(encoding="utf-8")


# --- render_settings -------------------------------------------------------------------


def test_render_settings_round_trips_and_omits_none(isolated: Path) -> None:
    path = fixture_copy("good.toml", isolated / "cfg" / "config.toml")
    settings = load_settings(path)

    doc = tomllib.loads(render_settings(settings))

    assert doc["database"] == {"path": str(isolated / "cfg" / "data" / "okrs.db")}
    assert doc["scoring"] == {"overperforming": 1.2, "on_track": 0.75, "at_risk": 0.25}
    assert doc["ui"] == {"theme": "nord", "sparkline_length": 40}
    assert doc["user"] == {"display_name": "Ada Lovelace"}
    assert doc["keymap"]["new_objective"] == "N" and doc["team"] == {"name": "Platform"}

    plain = render_settings(Settings())
    assert "display_name" not in plain and "url" not in plain
    assert "# files read: none" in plain
    assert tomllib.loads(plain)["ui"]["theme"] == "textual-dark"


# --- hygiene ---------------------------------------------------------------------------


def test_import_creates_nothing_and_skips_textual(isolated: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys, store.config; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=isolated)
    assert sorted(p.name for p in isolated.iterdir()) == ["home"]
    assert list((isolated / "home").iterdir()) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("stale_after_days = 0", "reminders.stale_after_days must be between 1 and 365"),
        ('stale_after_days = "7"', "reminders.stale_after_days must be an integer"),
        ("summary_at_start = 1", "reminders.summary_at_start must be true or false"),
        ('mail_command = "sendmail -t"', "reminders.mail_command must be a list"),
        ('mail_command = ["sendmail", "-t"]', "a list starting with an absolute program path"),
        ('mail_domain = "evil.com\\nBcc: x@y.z"', "mail_domain contains control or invisible"),
        ('mail_domain = "a@b.com"', "reminders.mail_domain must be a domain name"),
    ],
)
def test_bad_reminder_settings_are_refused_naming_the_key(
    user_file: Path, body: str, message: str
) -> None:
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text(f"[reminders]\n{body}\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()


def test_reminder_settings_are_read(user_file: Path) -> None:
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text(
        "[reminders]\nstale_after_days = 14\nsummary_at_start = false\n"
        'mail_command = ["/usr/bin/msmtp", "-t"]\nmail_domain = "Example.COM"\n'
        'to_folder = "notes"\n'
    )
    r = load_settings().reminders
    assert (r.stale_after_days, r.summary_at_start, r.mail_command, r.mail_domain) == (
        14, False, ("/usr/bin/msmtp", "-t"), "example.com",
    )  # fmt: skip
    assert r.to_folder == user_file.parent / "notes"
