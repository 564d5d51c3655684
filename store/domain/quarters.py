"""Calendar quarters, the default shape of an OKR period."""

from datetime import date, timedelta


def quarter_bounds(day: date) -> tuple[str, date, date]:
    """The calendar quarter containing ``day``: ("2026-Q4", first day, last day)."""
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    after = date(day.year + 1, 1, 1) if q == 3 else date(day.year, 3 * q + 4, 1)
    return f"{day.year}-Q{q + 1}", start, after - timedelta(days=1)
