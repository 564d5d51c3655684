"""`okrtui export -o` / `report -o` run locally never write through a symlink.

Over SSH the option is refused (test_ssh_attacks.py); run by the user in their own shell
it writes only a new file: a dangling symlink planted at that name (pointing, say, at
another user's ~/.pam_environment in a shared directory) used to be followed.
"""

from pathlib import Path

from click.testing import CliRunner

from okrtui.cli.main import main
from store.db.database import open_database


def test_export_does_not_follow_a_dangling_symlink(tmp_path: Path) -> None:
    db = tmp_path / "okrtui.db"
    open_database(db, create=True).close()
    target = tmp_path / "victim" / ".pam_environment"
    target.parent.mkdir()
    link = tmp_path / "export.json"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["--db", str(db), "export", "-o", str(link)])
    assert result.exit_code == 1, result.output
    assert "already exists" in result.stderr
    assert not target.exists()


def test_export_writes_a_new_file(tmp_path: Path) -> None:
    db = tmp_path / "okrtui.db"
    open_database(db, create=True).close()
    out = tmp_path / "export.json"
    result = CliRunner().invoke(main, ["--db", str(db), "export", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith("{")
