"""Deterministic demo data: "Northwind Analytics", a small SaaS company.

:func:`build_demo` fills an empty database with two quarters of OKRs (the
previous one closed and graded, the current one active with weekly check-ins)
and KPIs with 26 weekly values each, plus a flow KPI counted per working day; a
SQLite demo gets KPI sources reading a warehouse written beside it
(store/demo/warehouse.py). Everything comes from one
``random.Random(DEMO_SEED)``, so the same ``me`` and ``today`` always give the
same rows (ids included): screenshots and snapshot tests stay stable.

Design notes:

* Rows are built as plain dicts with explicit ids and written with Core
  ``executemany`` inserts in one ``BEGIN IMMEDIATE`` transaction (ORM inserts are
  an order of magnitude slower). Hence the database must hold no periods,
  objectives or KPIs yet: :class:`DemoError` otherwise.
* ``me`` (the Unix user running the app) owns a personal objective with three
  KRs, owns KRs in two team objectives and collaborates on two others, so
  "my KRs" and the weekly check-in walk-through have something to show. When
  ``me`` is one of the demo people, that person simply gets these too.
* Each KR follows a profile: ``over``, ``on``, ``risk`` or ``off`` (the status
  band its latest value lands in), ``none`` (no check-ins yet) or ``kpi:NAME``
  (KPI-driven: no check-ins of its own; its value comes from the KPI).
  ``key_result.current_value``/``current_at`` mirror the latest check-in, as the
  service keeps them.
* Timestamps never lie in the future: check-ins stop the day before ``today``
  and the last KPI observation is the Friday before ``today``.
* "Support response time" falls for months and then rises over its last three
  values while a company KR follows it: the KPI early-warning case.
"""

from store.demo.build import build_demo
from store.demo.data import DEMO_SEED, PEOPLE

__all__ = ["DEMO_SEED", "PEOPLE", "build_demo"]
