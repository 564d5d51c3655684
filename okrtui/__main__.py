"""``python -m okrtui``."""

from okrtui.cli.main import main

main()
