"""A line of items that wraps between them, never inside one: the Dashboard's counts
("11 due in 3 working days" stays whole, and "2 overdue" goes to the next line rather
than off the edge), the complaints by stage. A Rich renderable, so it is laid out at the
width it is drawn at (a `Static` with `height: auto` grows a line when it must)."""
from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text


class Items:
    """*items* on as few lines as fit, *separator* between two on the same line (an item
    wider than the line is cut with an ellipsis, never split)."""

    def __init__(self, items: Iterable[Text | str], separator: Text | str = "   ") -> None:
        self.items = [item if isinstance(item, Text) else Text(item) for item in items]
        self.separator = separator if isinstance(separator, Text) else Text(separator)

    def lines(self, width: int) -> list[Text]:
        """The items laid out at *width* columns, a line each."""
        lines: list[Text] = []
        line: Text | None = None
        for item in self.items:
            if line is not None and (line.cell_len + self.separator.cell_len
                                     + item.cell_len) <= width:
                line.append_text(self.separator)
                line.append_text(item)
                continue
            if line is not None:
                lines.append(line)
            line = item.copy()
        if line is not None:
            lines.append(line)
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self.lines(options.max_width)
        yield Text("\n", no_wrap=True, overflow="ellipsis").join(lines)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((item.cell_len for item in self.items), default=0)
        whole = sum(item.cell_len for item in self.items) + self.separator.cell_len * max(
            0, len(self.items) - 1)
        return Measurement(min(widest, options.max_width), min(whole, options.max_width))
