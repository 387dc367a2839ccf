"""Text cut to fit a toast, a column or a quote without breaking a word: `clip` cuts at a
word and says so with an ellipsis; `sentences` splits a clause's text into its sentences;
`quote` takes the sentence that matters (the one with an anchor phrase, or the one that
shares most words with what it is quoted for) and as many of the next as fit.
"""
from __future__ import annotations

import re

ELLIPSIS = "…"

#: a sentence ends at . ? ! or at the " ... " a quotation uses for the words it leaves
#: out, before a capital, a bracket or a quote mark
_SENTENCE_END = re.compile(r"(?:(?<=[.?!])(?<!e\.g\.)(?<!i\.e\.)|\s*(?:\.\.\.|…))\s+(?=[A-Z(\"'“‘])"
                           r"|(?<=[.?!])(?<!e\.g\.)(?<!i\.e\.)\s+(?=\.\.\.|…)")

_WORD = re.compile(r"[A-Za-z][A-Za-z']+")

#: words too common to tell one sentence from another
_COMMON = frozenset("""
a an and are as at be by for from has have if in into is it its of on or should that the
their them then there this to was were which who will with would may must not any other
been can does do they he she his her him what when where whether than also such under
""".split())


def clip(text: str, limit: int) -> str:
    """*text* on one line in at most *limit* characters, cut at a word with an ellipsis
    when it is longer (a single word longer than the room is cut where it must be)."""
    text = " ".join((text or "").split())
    if limit <= 1:
        return text[:max(limit, 0)]
    if len(text) <= limit:
        return text
    room = text[:limit - 1]
    if text[limit - 1] != " ":  # the cut falls inside a word: back to the last space
        space = room.rfind(" ")
        if space > 0:
            room = room[:space]
    room = room.rstrip(" ,;:-–—") or room
    return room + ELLIPSIS


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of *text* (whitespace already made single)."""
    spans, begin = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((begin, m.start()))
        begin = m.end()
    spans.append((begin, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip(" .…")]


def sentences(text: str) -> list[str]:
    """The sentences of *text* (a quotation's " ... " also ends one)."""
    text = " ".join((text or "").split())
    return [text[a:b] for a, b in _spans(text)]


def _words(text: str) -> set[str]:
    return {w.lower().strip("'") for w in _WORD.findall(text or "")} - _COMMON


def best_sentence(parts: list[str], anchor: str = "", focus: str = "") -> int:
    """The index of the sentence to start from: the first holding *anchor* (a phrase,
    case ignored), else the one sharing most words with *focus*, else the first."""
    if anchor:
        wanted = " ".join(anchor.split()).lower()
        for i, part in enumerate(parts):
            if wanted in part.lower():
                return i
    if focus:
        words = _words(focus)
        scores = [len(words & _words(p)) for p in parts]
        if scores and max(scores) > 0:
            return scores.index(max(scores))
    return 0


def quote(text: str, limit: int, *, anchor: str = "", focus: str = "") -> str:
    """The part of *text* worth quoting in *limit* characters: whole sentences from the
    one that matters (see `best_sentence`), as the text has them (its own " ... " kept),
    cut at a word only when that first sentence alone is too long; an ellipsis marks
    what is left out before and after."""
    text = " ".join((text or "").split())
    spans = _spans(text)
    if not spans:
        return ""
    start = best_sentence([text[a:b] for a, b in spans], anchor, focus)
    before = ELLIPSIS + " " if start > 0 and not text[spans[start][0]:].startswith(("…", "...")) else ""
    first = before + text[spans[start][0]:spans[start][1]]
    if len(first) > limit:
        return clip(first, limit)
    end = start
    while end + 1 < len(spans):
        more = before + text[spans[start][0]:spans[end + 1][1]]
        tail = " " + ELLIPSIS if end + 2 < len(spans) else ""
        if len(more + tail) > limit:
            break
        end += 1
    out = before + text[spans[start][0]:spans[end][1]]
    rest = text[spans[end][1]:].strip()
    if rest and rest not in (".", "...", ELLIPSIS) and not out.endswith(("…", "...")) \
            and len(out) + 2 <= limit:
        out += " " + ELLIPSIS
    return out
