"""Guessing what kind of case an email is from its words. Only a guess: the clerk
confirms the kind before anything is written (the app's form, the command's preview and
its --kind). No Textual here.
"""
from __future__ import annotations

import re

#: kind -> the words and phrases that point to it (a phrase in the subject counts twice)
REQUEST_WORDS = {
    "information": ["information", "how many", "how much", "figures", "cost of", "costs",
                    "details of", "could you tell me", "can you tell me", "let me know",
                    "number of", "breakdown", "what is the", "when will", "update on"],
    "document_inspection": ["inspect", "inspection", "see the file", "see the papers",
                            "copy of the", "copies of", "view the", "look at the documents",
                            "sight of", "the report on", "tender", "minutes"],
    "group_meeting": ["group meeting", "our group", "brief the group", "briefing",
                      "attend the group", "attend our", "party group"],
    "public_meeting": ["public meeting", "residents' meeting", "residents meeting",
                       "town meeting", "open meeting", "consultation event", "hold a meeting"],
    "ward_assistance": ["my ward", "in the ward", "fly-tipping", "fly tipping", "pothole",
                        "street light", "streetlight", "overgrown", "graffiti", "litter"],
    "support_services": ["photocopy", "photocopying", "printing", "stationery", "room booking",
                         "book a room", "use of the", "laptop", "postage"],
    "motion_advice": ["motion", "amendment", "wording of", "draft motion", "notice of motion"],
    "correspondence": ["write to", "a letter to", "letter on behalf", "on my behalf",
                       "correspondence"],
    "media": ["press", "media", "journalist", "newspaper", "radio", "press release",
              "statement to"],
}

#: words that make an email a complaint rather than a request
COMPLAINT_WORDS = ["complain", "complaint", "grievance", "code of conduct", "misconduct",
                   "bullying", "harassment", "rude", "behaviour", "behavior", "unacceptable",
                   "formal concern"]

#: complaint kind -> its words (beyond COMPLAINT_WORDS)
COMPLAINT_KIND_WORDS = {
    "code_of_conduct": ["code of conduct", "breach of the code", "monitoring officer",
                        "standards"],
    "grievance": ["grievance", "my employment", "my manager", "bullying", "harassment"],
}


def _hits(words, text: str) -> list[str]:
    return [w for w in words if re.search(r"(?<!\w)" + re.escape(w), text)]


def guess(subject: str, body: str, *, sender_kind: str) -> tuple[str, str, list[str]]:
    """(case type, kind, the words it was guessed from) for an email from a member or an
    officer (*sender_kind*)."""
    subject_l = (subject or "").casefold()
    body_l = (body or "").casefold()[:20_000]
    complaint = _hits(COMPLAINT_WORDS, subject_l) + _hits(COMPLAINT_WORDS, body_l)
    if complaint or sender_kind == "officer":
        for kind, words in COMPLAINT_KIND_WORDS.items():
            found = _hits(words, subject_l + "\n" + body_l)
            if found and (kind != "grievance" or sender_kind == "officer"):
                return "complaint", kind, list(dict.fromkeys(found))
        kind = "member_about_officer" if sender_kind == "member" else "officer_about_member"
        return "complaint", kind, list(dict.fromkeys(complaint))
    best, best_score, best_words = "information", 0, []
    for kind, words in REQUEST_WORDS.items():
        in_subject = _hits(words, subject_l)
        in_body = _hits(words, body_l)
        score = 2 * len(in_subject) + len(in_body)
        if score > best_score:
            best, best_score, best_words = kind, score, list(dict.fromkeys(in_subject + in_body))
    return "request", best, best_words
