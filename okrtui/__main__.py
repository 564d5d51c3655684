"""``python -m okrtui``."""

from okrtui.cli.entry import start

start()
