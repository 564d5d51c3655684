"""The demo's fixed day and user for tests and snapshots, importable by any test module
(``from conftest import …`` finds whichever conftest.py comes first on the path: the
security tests have their own)."""

from datetime import date

DEMO_TODAY = date(2026, 11, 23)
SNAPSHOT_USER = "tester"
