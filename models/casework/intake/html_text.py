"""An HTML-only email turned into plain text for the case's timeline (standard library
`html.parser`): paragraphs and line breaks kept, lists as "- ", a link's address after
its words, scripts, styles and the head dropped, entities decoded. No Textual here.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "pre", "hr", "ul", "ol", "section", "article", "header", "footer",
          "address", "dd", "dt"}
_SKIP = {"script", "style", "head", "title", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.links: list[tuple[str, int]] = []  # (href, position in out when it opened)
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "pre":
            self.pre += 1
        if tag in _BLOCK:
            self.out.append("\n")
        if tag in ("p", "h1", "h2", "h3", "blockquote", "table"):
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")
        if tag == "td" or tag == "th":
            self.out.append("  ")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href, len(self.out)))
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt}]")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag == "a" and self.links:
            href, start = self.links.pop()
            words = "".join(self.out[start:]).strip()
            shown = href[7:] if href.startswith("mailto:") else href
            if href.startswith(("http://", "https://", "mailto:")) and shown not in words:
                self.out.append(f" ({shown})")
        if tag in _BLOCK and tag != "li":
            self.out.append("\n")
        if tag in ("p", "h1", "h2", "h3", "blockquote", "table"):
            self.out.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # broken markup: the words without the tags
        return re.sub(r"<[^>]+>", " ", html)
    text = "".join(parser.out)
    lines = [" ".join(ln.split()) if ln.strip() else "" for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if not ln and (not out or not out[-1]):
            continue
        out.append(ln)
    return "\n".join(out).strip()
