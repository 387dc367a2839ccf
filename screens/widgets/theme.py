"""Rich styles from the theme, for widgets that draw their own text (component classes
styled in the widget's .tcss with the theme's variables: $text-error, $text-warning...)."""
from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


def component_style(widget: Widget, name: str) -> Style:
    """The component class *name* of *widget* as a Rich style for a span of text: only
    what its rules set (a background only where they give one, so a row's own colours
    show through), with its colour worked out against the background it is drawn on
    (`auto` and faded colours included)."""
    partial = widget.get_component_rich_style(name, partial=True)
    if partial.color is None:
        return partial
    full = widget.get_component_rich_style(name)
    return partial + Style(color=full.color)
