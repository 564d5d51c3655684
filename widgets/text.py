"""Safe rendering of user text, and the small visual vocabulary shared by screens.

User text is never parsed as markup: titles like ``[bold]x[/]`` or
``[@click=app.screenshot(...)]`` are shown literally, and control characters
(terminal escapes, bidi overrides) are removed before anything is drawn.
"""

from rich.style import Style
from rich.text import Text

from store.domain.validation import clean_line, clean_multiline
from store.format import status_label
from store.model.enums import BAND_LABEL, Band, Direction, Kind

BAND_STYLE: dict[Band, str] = {
    Band.OVERPERFORMING: "bold blue",
    Band.ACHIEVED: "green",  # green as on track; its label says achieved/done/held
    Band.ON_TRACK: "green",
    Band.AT_RISK: "yellow",
    Band.OFF_TRACK: "red",
    Band.NO_DATA: "dim",
}

BAR_CELLS = "▏▎▍▌▋▊▉█"


def styled(text: str, style: str = "") -> Text:
    """``text`` in ``style`` (a Rich style string such as "bold yellow").

    The style is parsed by Rich here: Textual reads a ``Text``'s own style string as CSS,
    where ``yellow`` is #ffff00, not the ANSI yellow the app maps to a status colour that
    reads on the theme (widgets/colours.py). Spans are parsed by Rich already.
    """
    return Text(text, style=Style.parse(style) if style else "")


def plain(text: str | None, *, multiline: bool = False, style: str = "") -> Text:
    """User text as a Rich ``Text`` that is never interpreted as markup."""
    cleaned = clean_multiline(text or "") if multiline else clean_line(text or "")
    return styled(cleaned, style)


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis (width counted in characters)."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def progress_bar(progress: float | None, width: int = 8, band: Band = Band.NO_DATA) -> Text:
    """A compact bar with eighth-cell resolution, coloured by band; capped at full."""
    if progress is None:
        return Text("·" * width, style="dim")
    filled = max(0.0, min(progress, 1.0)) * width
    full = int(filled)
    part = int((filled - full) * 8)
    bar = "█" * full + (BAR_CELLS[part - 1] if part and full < width else "")
    return Text.assemble((bar, BAND_STYLE[band]), ("·" * (width - len(bar)), "dim"))


def band_text(
    band: Band,
    score: float | None = None,
    kind: Kind | None = None,
    direction: Direction | None = None,
) -> Text:
    """The band as a coloured word; with the score, exactly 1.0 reads achieved/done/held."""
    label = status_label(band, score, kind, direction) if score is not None else BAND_LABEL[band]
    return styled(f"● {label}", BAND_STYLE[band])
