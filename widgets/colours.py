"""The status colours, readable on dark and on light themes.

Widgets colour a status with the ANSI names ``green`` (good, on track), ``yellow``
(watch, at risk), ``red`` (bad, off track) and ``blue`` (overperforming, planned). The
app maps those names to RGB through Textual's ANSI themes (``App.ansi_theme_dark`` and
``App.ansi_theme_light``, which a theme switch swaps): the bright colours on a dark
theme, darker ones on a light theme. Amber #ffaf00 on the light themes' grey was 1.2:1;
each light colour here has a WCAG contrast of at least 4.5:1 against the background,
surface and panel of every built-in light theme (tests/functional/test_light_theme.py).
A theme that uses the terminal's own ANSI colours (``textual-ansi``) keeps them.
"""

from rich.terminal_theme import TerminalTheme

RGB = tuple[int, int, int]

STATUS_DARK: dict[str, RGB] = {
    "red": (255, 95, 95),  # #ff5f5f
    "green": (95, 215, 95),  # #5fd75f
    "yellow": (255, 175, 0),  # #ffaf00
    "blue": (95, 175, 255),  # #5fafff
}
STATUS_LIGHT: dict[str, RGB] = {
    "red": (160, 24, 24),  # #a01818
    "green": (19, 99, 19),  # #136313
    "yellow": (116, 72, 0),  # #744800, a dark amber
    "blue": (10, 76, 148),  # #0a4c94
}

# Textual's defaults for the other ANSI colours (its MONOKAI and ALABASTER themes).
_DARK_REST: list[RGB] = [
    (26, 26, 26), (244, 0, 95), (152, 224, 36), (253, 151, 31),
    (157, 101, 255), (244, 0, 95), (88, 209, 235), (196, 197, 181),
    (98, 94, 76), (244, 0, 95), (152, 224, 36), (224, 213, 97),
    (157, 101, 255), (244, 0, 95), (88, 209, 235), (246, 246, 239),
]  # fmt: skip
_LIGHT_REST: list[RGB] = [
    (0, 0, 0), (170, 55, 49), (68, 140, 39), (203, 144, 0),
    (50, 92, 192), (122, 62, 157), (0, 131, 178), (247, 247, 247),
    (119, 119, 119), (240, 80, 80), (96, 203, 0), (255, 188, 93),
    (0, 122, 204), (230, 76, 230), (0, 170, 203), (247, 247, 247),
]  # fmt: skip
_INDEX = {"red": 1, "green": 2, "yellow": 3, "blue": 4}


def _theme(
    background: RGB, foreground: RGB, rest: list[RGB], status: dict[str, RGB]
) -> TerminalTheme:
    colours = list(rest)
    for name, rgb in status.items():
        colours[_INDEX[name]] = rgb
    return TerminalTheme(background, foreground, colours[:8], colours[8:])


ANSI_DARK = _theme((12, 12, 12), (217, 217, 217), _DARK_REST, STATUS_DARK)
ANSI_LIGHT = _theme((247, 247, 247), (0, 0, 0), _LIGHT_REST, STATUS_LIGHT)
