"""Charts as inline SVG, written by hand: small functions, each returning one `<svg>`
element with a `<title>` and a `<desc>` (what a screen reader says, and what a browser
shows on hover), every label escaped, no script, no link, no font or file fetched: the
committee report that holds them opens offline and prints (models/output/report.py).

- `bar_chart`: labelled horizontal bars (open cases by ward, answers per kind); a value of
  None is drawn without a bar, its label saying why (a count too small to show);
- `column_chart`: columns per week, one or more series side by side (opened, closed),
  with an optional marker line (the protocol's limit on a histogram);
- `line_chart`: a line with a dot per point (the overdue trend).

Inline in HTML5, an `<svg>` needs no namespace, so the page holds no URL at all.

Lengths are proportional to the values: a bar's width is value / largest x the plot's
width (tests/test_charts.py checks it for any values). No Textual, no third party.
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence

#: colours that print in greyscale as distinct shades
INK = "#1a1a1a"
GRID = "#cccccc"
SERIES = ("#2f5d8a", "#c8782a", "#6b8e23", "#8a2f5d")
ALERT = "#b22222"
FONT = 'font-family="Georgia, serif" font-size="12"'


#: what XML 1.0 cannot hold at all, escaped or not: control characters (but tab, line
#: feed, carriage return), lone surrogates, U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text) -> str:
    """*text* as one line, without the characters XML cannot hold (a label pasted from
    anywhere): runs of white space, line breaks included, become one space."""
    return " ".join(_NOT_XML.sub("", str(text)).split())


def esc(text) -> str:
    """Text safe inside an SVG element or attribute."""
    return html.escape(xml_text(text), quote=True)


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _open(title: str, desc: str, width: int, height: int) -> list[str]:
    return [f'<svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" class="chart" {FONT}>',
            f"<title>{esc(title)}</title>", f"<desc>{esc(desc)}</desc>"]


def _fmt_value(v: float) -> str:
    return _num(round(v, 1))


def bar_chart(title: str, bars: Sequence[tuple[str, float | None]], *, desc: str = "",
              missing: str = "not shown", width: int = 640, label_width: int = 170,
              colour: str = SERIES[0]) -> str:
    """Horizontal bars, one row per (label, value); None draws no bar and says *missing*."""
    row_h, top = 22, 8
    height = top + row_h * max(len(bars), 1) + 8
    plot = width - label_width - 60
    biggest = max((v for _, v in bars if v is not None), default=0) or 1
    described = desc or "; ".join(
        f"{label}: {missing if v is None else _fmt_value(v)}" for label, v in bars)
    out = _open(title, described, width, height)
    if not bars:
        out += [f'<text x="0" y="{top + 14}" fill="{INK}">Nothing to show.</text>', "</svg>"]
        return "\n".join(out)
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        out.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" '
                   f'fill="{INK}">{esc(label)}</text>')
        if value is None:
            out.append(f'<text x="{label_width}" y="{y + 15}" fill="{INK}" '
                       f'font-style="italic">{esc(missing)}</text>')
            continue
        w = plot * value / biggest
        out.append(f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{_num(round(w, 2))}" '
                   f'height="{row_h - 6}" fill="{colour}"><title>{esc(label)}: '
                   f'{esc(_fmt_value(value))}</title></rect>')
        out.append(f'<text x="{_num(round(label_width + w + 6, 2))}" y="{y + 15}" '
                   f'fill="{INK}">{esc(_fmt_value(value))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _axis(out: list[str], left: int, top: int, plot_w: int, plot_h: int, biggest: float) -> None:
    """The baseline, a top line at the largest value, and their numbers."""
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{INK}"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left + plot_w}" y2="{top}" '
               f'stroke="{GRID}" stroke-dasharray="3 3"/>')
    out.append(f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" fill="{INK}">0</text>')
    out.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" '
               f'fill="{INK}">{esc(_fmt_value(biggest))}</text>')


def _x_labels(out: list[str], labels: Sequence[str], left: int, step: float, base: int,
              every: int) -> None:
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            x = left + step * i + step / 2
            out.append(f'<text x="{_num(round(x, 2))}" y="{base + 16}" text-anchor="middle" '
                       f'fill="{INK}" font-size="10">{esc(label)}</text>')


def _legend(out: list[str], names: Sequence[str], left: int, y: int) -> None:
    x = left
    for i, name in enumerate(names):
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                   f'fill="{SERIES[i % len(SERIES)]}"/>')
        out.append(f'<text x="{x + 14}" y="{y}" fill="{INK}">{esc(name)}</text>')
        x += 24 + 7 * len(str(name))


def column_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                 *, desc: str = "", width: int = 640, height: int = 220,
                 marker: tuple[float, str] | None = None) -> str:
    """Columns per label, the series side by side; *marker* (an index on the label axis
    and its caption) draws a vertical line after that column (the protocol's limit)."""
    left, top, bottom = 44, 26, 34
    plot_w, plot_h = width - left - 10, height - top - bottom
    n = max(len(labels), 1)
    step = plot_w / n
    biggest = max((v for _, vals in series for v in vals), default=0) or 1
    described = desc or "; ".join(
        f"{name}: " + ", ".join(f"{lab} {_fmt_value(v)}" for lab, v in zip(labels, vals))
        for name, vals in series)
    out = _open(title, described, width, height)
    _legend(out, [name for name, _ in series], left, 14)
    _axis(out, left, top, plot_w, plot_h, biggest)
    base = top + plot_h
    k = max(len(series), 1)
    col_w = max(step * 0.8 / k, 1)
    for s, (name, vals) in enumerate(series):
        colour = SERIES[s % len(SERIES)]
        for i, v in enumerate(vals):
            h = plot_h * v / biggest
            x = left + step * i + step * 0.1 + col_w * s
            out.append(f'<rect class="bar" x="{_num(round(x, 2))}" y="{_num(round(base - h, 2))}" '
                       f'width="{_num(round(col_w, 2))}" height="{_num(round(h, 2))}" '
                       f'fill="{colour}"><title>{esc(name)}, {esc(labels[i])}: '
                       f'{esc(_fmt_value(v))}</title></rect>')
    _x_labels(out, labels, left, step, base, every=max(1, round(n / 8)))
    if marker is not None:
        at, caption = marker
        x = left + step * (at + 1)
        out.append(f'<line x1="{_num(round(x, 2))}" y1="{top - 4}" x2="{_num(round(x, 2))}" '
                   f'y2="{base}" stroke="{ALERT}" stroke-dasharray="5 3"/>')
        anchor = "end" if x > left + plot_w * 0.6 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(f'<text x="{_num(round(x + dx, 2))}" y="{top + 8}" text-anchor="{anchor}" '
                   f'fill="{ALERT}">{esc(caption)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def line_chart(title: str, labels: Sequence[str], values: Sequence[float], *, desc: str = "",
               width: int = 640, height: int = 200, name: str = "") -> str:
    """A line through one point per label, a dot at each, the last value written."""
    left, top, bottom = 44, 26 if name else 14, 34
    plot_w, plot_h = width - left - 30, height - top - bottom
    n = max(len(labels), 1)
    step = plot_w / n
    biggest = max(values, default=0) or 1
    described = desc or ", ".join(f"{lab} {_fmt_value(v)}" for lab, v in zip(labels, values))
    out = _open(title, described, width, height)
    if name:
        _legend(out, [name], left, 14)
    _axis(out, left, top, plot_w, plot_h, biggest)
    base = top + plot_h
    points = [(left + step * i + step / 2, base - plot_h * v / biggest)
              for i, v in enumerate(values)]
    if points:
        path = " ".join(f"{_num(round(x, 2))},{_num(round(y, 2))}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{SERIES[0]}" stroke-width="2"/>')
        for (x, y), lab, v in zip(points, labels, values):
            out.append(f'<circle class="point" cx="{_num(round(x, 2))}" cy="{_num(round(y, 2))}" '
                       f'r="3" fill="{SERIES[0]}"><title>{esc(lab)}: {esc(_fmt_value(v))}'
                       "</title></circle>")
        x, y = points[-1]
        out.append(f'<text x="{_num(round(x + 6, 2))}" y="{_num(round(y + 4, 2))}" '
                   f'fill="{INK}">{esc(_fmt_value(values[-1]))}</text>')
    _x_labels(out, labels, left, step, base, every=max(1, round(n / 8)))
    out.append("</svg>")
    return "\n".join(out)
