"""Read models: plain frozen dataclasses for the screens, the CLI and the reports."""
