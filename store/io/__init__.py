"""Files in and out: OKR TOML and CSV, KPI CSV, the JSON transfer, reports, user folders."""
