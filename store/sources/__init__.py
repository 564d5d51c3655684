"""Fetching KPI values from where the data lives (issue 18): one module per source kind,
the secrets they may name, and the server owner's approval of a definition.

Nothing here touches okrtui's own database: each fetcher takes a checked definition
(store/domain/kpi_sources.py) and returns :class:`store.sources.values.Observation` rows
or raises :class:`SourceError` with a message fit to log and show; the pull
(store/io/kpi_pull.py) writes what they return.
"""
