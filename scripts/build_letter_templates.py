"""Build the letter templates clerkdesk ships (models/output/templates/*.docx) with
python-docx, so they can be made again after a change of wording:

    python scripts/build_letter_templates.py

Each template is an ordinary Word document whose merge fields are docxtpl (Jinja) tags:
`{{ ref }}`, `{{ recipient.salutation }}`, and whole paragraphs `{%p for c in clauses %}`
... `{%p endfor %}` (README: Letters, lists every field). A council copies one, edits it
in Word or LibreOffice (keeping the tags), and puts it in its letters folder to use it
instead. The words here cite no clause: the clauses come from the case's route and the
council's profile when a letter is made.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "models" / "output" / "templates"

#: the letter's own paragraphs, between "Dear ..." and the clauses; "**...**" is bold
BODIES = {
    "acknowledgement": [
        "Thank you for your {{ type }} of {{ received_long }} about {{ subject }}. It has been "
        "logged under the reference {{ ref }}: please quote it if you write about it again.",
        "{%p if due %}",
        "You will have a reply by {{ due_long }}{% if response_days %}, {{ response_days }} "
        "working days from its receipt{% endif %}.",
        "{%p endif %}",
        "{%p if handler.role %}",
        "It is now with {{ handler.who }}.",
        "{%p endif %}",
    ],
    "holding": [
        "I am writing about your {{ type }} {{ ref }}, {{ subject }}, received on "
        "{{ received_long }}.",
        "As agreed with you, the reply will now come by {{ agreed_due_long }}"
        "{% if due %} rather than {{ due_long }}{% endif %}. Thank you for your patience.",
    ],
    "outcome": [
        "I am writing about your {{ type }} {{ ref }}, {{ subject }}, received on "
        "{{ received_long }}{% if closed_on %}, which was decided on {{ closed_on_long }}"
        "{% endif %}.",
        "**Outcome**",
        "{{ outcome }}",
    ],
    "refusal": [
        "I am writing about your {{ type }} {{ ref }}, {{ subject }}, received on "
        "{{ received_long }}. I am sorry to tell you that it cannot be granted.",
        "**The reasons**",
        "{{ reasons }}",
        "{%p if route.outcome %}",
        "{{ route.outcome }}",
        "{%p endif %}",
        "{%p for w in route.warnings %}",
        "{{ w.text }}",
        "{%p endfor %}",
    ],
    "referral": [
        "I am referring to you the {{ type }} {{ ref }}, {{ subject }}, received on "
        "{{ received_long }}{% if member.name %} from {{ member.name }}{% endif %}"
        "{% if complainant.name %} from {{ complainant.name }}{% endif %}"
        "{% if about.name %} about {{ about.name }}{% endif %}.",
        "Under the council's Member/Officer Protocol the next step is yours: "
        "{{ handler.action }}{% if handler.in_writing %} (in writing){% endif %}",
        "**The route**",
        "{%p for s in route.steps %}",
        "{{ s.number }}. {{ s.who }}: {{ s.action }} [{{ s.clause }}]",
        "{%p endfor %}",
    ],
    "group_notice": [
        "In line with the council's Member/Officer Protocol, I am letting every party group "
        "know that the {{ group }} was given advice or a briefing by an officer.",
        "{%p for a in advice %}",
        "On {{ a.given_on_long }}{% if a.officer %}, {{ a.officer }}{% endif %} advised the "
        "{{ a.group }} on: {{ a.matter }}.",
        "{%p endfor %}",
        "The same facts and options are available to your group: please let me know if you "
        "would like them.",
    ],
}

TITLES = {
    "acknowledgement": "{{ subject }}",
    "holding": "{{ subject }}: a new date for the reply",
    "outcome": "{{ subject }}: the outcome",
    "refusal": "{{ subject }}",
    "referral": "Referral: {{ subject }}",
    "group_notice": "Advice given to the {{ group }}",
}


def _paragraph(doc, text: str, *, bold: bool = False, size: int | None = None,
               align=None, space_after: int | None = None):
    p = doc.add_paragraph()
    if text.startswith("**") and text.endswith("**"):
        text, bold = text[2:-2], True
    run = p.add_run(text)  # one run: docxtpl needs each tag whole inside one run
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def build(name: str) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.5)
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    _paragraph(doc, "{{ council.name }}", bold=True, size=16, align=WD_ALIGN_PARAGRAPH.CENTER,
               space_after=18)
    _paragraph(doc, "{{ today_long }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{%p for r in recipients %}")
    _paragraph(doc, "{{ r.name }}{% if r.leader_of %}, Leader of the {{ r.leader_of }}"
                    "{% endif %}",
               space_after=0)
    _paragraph(doc, "{%p if r.address %}")
    _paragraph(doc, "{{ r.address }}", space_after=0)
    _paragraph(doc, "{%p endif %}")
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "")
    _paragraph(doc, "Our reference: {{ ref }}")
    _paragraph(doc, "Dear {{ recipient.salutation }},")
    _paragraph(doc, TITLES[name], bold=True)
    for text in BODIES[name]:
        _paragraph(doc, text)
    _paragraph(doc, "{%p if clauses %}")
    _paragraph(doc, "The council's Member/Officer Protocol", bold=True)
    _paragraph(doc, "{%p for c in clauses %}")
    _paragraph(doc, "{{ c.ref }}{% if c.text %}: “{{ c.text }}”{% endif %}")
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{%p endif %}")
    _paragraph(doc, "Yours sincerely,", space_after=36)
    _paragraph(doc, "{{ signatory.name }}", space_after=0)
    _paragraph(doc, "{{ signatory.title }}, {{ council.name }}")
    core = doc.core_properties
    core.title = f"clerkdesk letter template: {name}"
    core.author = "clerkdesk"
    core.comments = "Merge fields: see the clerkdesk README, Letters."
    return doc


def main(argv: list[str] | None = None) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in BODIES:
        path = OUT / f"{name}.docx"
        build(name).save(path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
