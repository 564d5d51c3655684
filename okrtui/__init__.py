"""okrtui: OKRs and KPIs in the terminal (the app, its screens and the CLI)."""

__version__ = "0.1.0"
