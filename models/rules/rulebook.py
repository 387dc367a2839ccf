"""The protocol rulebook engine: profiles as data, routes as ordered steps. No Textual.

A *profile* (``models/rules/protocols/NAME.toml``) holds a council's Member/Officer Protocol as
data: a table of clauses, the roles and who stands in for each when conflicted, the facts
of a case with the questions that set them, and ordered rules whose conditions lead to a
route: ordered steps ``{handler, action, in_writing, clause}``, tasks and warnings.

The engine knows nothing about particular clauses. It

* loads and validates a profile (``load_profile``), rejecting a broken file with
  ``ProfileError("FILE line N: what is wrong")``;
* lists the questions that apply given the answers so far (``questions``,
  ``next_question``) for the wizard screens;
* works out a route from the facts of one case (``route``), raising ``FactError`` naming
  the fact for an unknown, contradictory or missing one;
* never lets the subject of a case, or a role listed in ``conflicted_roles``, handle a
  step: the profile's declared alternate for that role takes it (or the step is skipped
  where the profile says so, e.g. "provided that he or she is not the subject").

Conditions (``when`` tables) map a fact to: a value (equal), a list (any of), or a table
``{not = value-or-list}``, ``{min = n}``, ``{max = n}``; every entry must hold. A fact
that is not set never matches.
"""
from __future__ import annotations

import functools
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from clerkdesk.models.core import words
from clerkdesk.models.rules.errors import FactError, ProfileError  # (re-exported)

__all__ = [
    "ProfileError", "FactError", "Choice", "Fact", "Question", "RoleDef", "Profile",
    "RouteStep", "RouteTask", "Caution", "Route", "load_profile", "bundled_profiles", "questions",
    "next_question", "applicable_answers", "route", "notices", "Notice", "Guidance", "SUBJECT_FACT",
    "CONFLICT_FACT", "CONTRARY_FACT", "RECORDS",
]


#: the fact naming the role of the person a complaint is about
SUBJECT_FACT = "subject_role"


#: the fact listing roles that may not act on this case (besides the subject)
CONFLICT_FACT = "conflicted_roles"


#: the fact a profile declares when members may decide against officer advice (004's
#: addendum, 003 §5): the app offers "decided contrary to officer advice" only then
CONTRARY_FACT = "decision_against_advice"


#: what doing a step or task records besides the step itself (`records = "advice"`: the
#: advice register, 000 and 003 §10)
RECORDS = ("advice",)


CLAUSE_RE = re.compile(r"^\d{3} §\S.*$")


KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


FACT_KINDS = ("choice", "bool", "int", "roles")


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str
    description: str = ""
    choices: tuple[Choice, ...] = ()
    default: Any = None
    when: Mapping[str, Any] = field(default_factory=dict)
    derived: bool = False

    def choice_values(self) -> list:
        return [c.value for c in self.choices]


@dataclass(frozen=True)
class Question:
    """One wizard step: sets `fact`; shows `clause` and the one-line `reason`."""

    key: str
    fact: str
    kind: str
    prompt: str
    clause: str
    reason: str
    choices: tuple[Choice, ...]
    default: Any = None
    when: Mapping[str, Any] = field(default_factory=dict)
    help: str = ""
    #: the words of the clause the question rests on (a phrase of its text): the quote
    #: shown under the question starts at the sentence holding them
    quote: str = ""


@dataclass(frozen=True)
class RoleDef:
    key: str
    label: str
    alternate: str | None = None
    alternate_clause: str | None = None
    description: str = ""


@dataclass(frozen=True)
class _StepSpec:
    handler: str
    action: str
    in_writing: bool
    clause: str
    reason: str
    when: Mapping[str, Any]
    on_conflict: str  # alternate | skip
    records: str = ""  # see RECORDS


@dataclass(frozen=True)
class _NoteSpec:
    text: str
    clause: str
    when: Mapping[str, Any]
    records: str = ""  # tasks only: see RECORDS


@dataclass(frozen=True)
class _Rule:
    key: str
    when: Mapping[str, Any]
    outcome: str
    clause: str
    steps: tuple[_StepSpec, ...]
    tasks: tuple[_NoteSpec, ...]
    warnings: tuple[_NoteSpec, ...]
    due_working_days: int | str | None
    refusal: bool = False  # a refusal: the clerk records the reasons (001 §5.5, 003 §8)


@dataclass(frozen=True)
class _Derivation:
    fact: str
    value: Any
    when: Mapping[str, Any]


@dataclass(frozen=True)
class _Contradiction:
    fact: str
    when: Mapping[str, Any]
    message: str


@dataclass(frozen=True)
class GuidanceLine:
    text: str
    clause: str


@dataclass(frozen=True)
class Guidance:
    """A topic of "what the protocol says": lines a clerk reads, each with its clause,
    for the parts of the protocol that are not a decision to route (premises visits,
    media, appointments...)."""

    key: str
    topic: str
    lines: tuple[GuidanceLine, ...]
    keywords: tuple[str, ...] = ()


@dataclass
class Profile:
    name: str
    title: str
    path: str
    description: str
    settings: dict[str, Any]
    clauses: dict[str, str]
    roles: dict[str, RoleDef]
    facts: dict[str, Fact]
    question_list: list[Question]
    rules: list[_Rule]
    derivations: list[_Derivation]
    contradictions: list[_Contradiction]
    addenda: list[_Rule]
    notices: list[_NoteSpec] = field(default_factory=list)
    guidance: list[Guidance] = field(default_factory=list)
    based_on: tuple[str, ...] = ()

    def setting_clause(self, name: str) -> str:
        """The clause a `[settings]` entry `NAME_clause` names ("" when the profile has
        none): what the app cites for a rule of its own (the response time, an agreed
        extension, the committee report)."""
        return str(self.settings.get(f"{name}_clause", ""))

    def cited(self) -> dict[str, list[str]]:
        """Every clause the profile cites, with where: "rule complaint_about_director",
        "question subject_role_member", "role town_clerk", "setting info_response_clause",
        "notice 1", "guidance premises"."""
        out: dict[str, list[str]] = {}

        def add(clause: str, where: str) -> None:
            if clause:
                out.setdefault(clause, [])
                if where not in out[clause]:
                    out[clause].append(where)

        for q in self.question_list:
            add(q.clause, f"question {q.key}")
        for what, rules in (("rule", self.rules), ("addendum", self.addenda)):
            for r in rules:
                add(r.clause, f"{what} {r.key}")
                for item in r.steps + r.tasks + r.warnings:
                    add(item.clause, f"{what} {r.key}")
        for role in self.roles.values():
            add(role.alternate_clause or "", f"role {role.key}")
        for k, v in self.settings.items():
            if k.endswith("_clause"):
                add(str(v), f"setting {k}")
        for i, n in enumerate(self.notices, start=1):
            add(n.clause, f"notice {i}")
        for g in self.guidance:
            for line in g.lines:
                add(line.clause, f"guidance {g.key}")
        return out

    def clause_text(self, clause: str) -> str:
        return self.clauses.get(clause, "")

    def quote(self, clause: str, limit: int = 280, *, anchor: str = "", focus: str = "") -> str:
        """The clause's text as a screen quotes it in *limit* characters: whole sentences
        from the one holding *anchor* (or sharing most words with *focus*), cut at a word
        only when that sentence alone is too long."""
        return words.quote(self.clause_text(clause), limit, anchor=anchor, focus=focus)

    def question_quote(self, question: Question, limit: int = 280) -> str:
        """What the wizard quotes under *question*: the sentence of its clause that the
        question rests on (its `quote`, else the one nearest its prompt and reason)."""
        return self.quote(question.clause, limit, anchor=question.quote,
                          focus=f"{question.prompt} {question.reason}")

    def role_label(self, role: str) -> str:
        r = self.roles.get(role)
        return r.label if r else role


class _Locator:
    """Finds the line of a key path in the TOML text, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def _header_lines(self, header: str) -> list[int]:
        out = []
        for i, line in enumerate(self.lines):
            s = line.strip()
            if s == header or s.startswith(header + " ") or s.startswith(header + "#"):
                out.append(i)
        return out

    def _block_end(self, start: int) -> int:
        for i in range(start + 1, len(self.lines)):
            s = self.lines[i].strip()
            if s.startswith("["):
                return i
        return len(self.lines)

    def _key_in(self, start: int, end: int, key: str | None) -> int:
        if key is None:
            return start
        pat = re.compile(r"^\s*(\"%s\"|'%s'|%s)\s*=" % (re.escape(key), re.escape(key), re.escape(key)))
        for i in range(start, end):
            if pat.match(self.lines[i]):
                return i
        return start

    def line(self, path: tuple) -> int | None:
        """path like ("rules", 3, "steps", 1, "clause") or ("roles", "mo", "alternate")."""
        try:
            return self._line(path)
        except Exception:  # pragma: no cover - locating is best effort
            return None

    def _line(self, path: tuple) -> int | None:
        if not path:
            return None
        top = path[0]
        if len(path) >= 2 and isinstance(path[1], int):
            heads = self._header_lines(f"[[{top}]]")
            if path[1] >= len(heads):
                return None
            start = heads[path[1]]
            end = self._next_same(heads, path[1])
            rest = path[2:]
            if len(rest) >= 2 and isinstance(rest[1], int):
                subs = [i for i in self._header_lines(f"[[{top}.{rest[0]}]]") if start < i < end]
                if rest[1] < len(subs):
                    s = subs[rest[1]]
                    key = rest[2] if len(rest) > 2 and isinstance(rest[2], str) else None
                    return self._key_in(s, self._block_end(s), key) + 1
                return self._key_in(start, end, rest[0]) + 1
            key = rest[0] if rest and isinstance(rest[0], str) else None
            return self._key_in(start, self._block_end(start), key) + 1
        if len(path) >= 2:
            heads = self._header_lines(f"[{top}.{path[1]}]")
            if heads:
                s = heads[0]
                key = path[2] if len(path) > 2 and isinstance(path[2], str) else None
                return self._key_in(s, self._block_end(s), key) + 1
            heads = self._header_lines(f"[{top}]")
            if heads:
                s = heads[0]
                return self._key_in(s, self._block_end(s), str(path[1])) + 1
        heads = self._header_lines(f"[{top}]") or self._header_lines(f"[[{top}]]")
        return heads[0] + 1 if heads else None

    def _next_same(self, heads: list[int], idx: int) -> int:
        if idx + 1 < len(heads):
            return heads[idx + 1]
        # the block runs until the next header that is not a sub-table of it
        top_header = self.lines[heads[idx]].strip()
        name = top_header.strip("[]").strip()
        for i in range(heads[idx] + 1, len(self.lines)):
            s = self.lines[i].strip()
            if s.startswith("[") and not s.startswith(f"[[{name}.") and not s.startswith(f"[{name}."):
                return i
        return len(self.lines)


def _fmt_path(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class _Loader:
    TOP = {"profile", "settings", "clauses", "roles", "facts", "questions", "derive",
           "contradictions", "rules", "addenda", "notices", "guidance"}

    def __init__(self, data: dict, text: str, path: str):
        self.data = data
        self.loc = _Locator(text)
        self.path = path

    def fail(self, path: tuple, message: str):
        line = self.loc.line(path)
        where = _fmt_path(path)
        msg = f"{where}: {message}" if where else message
        raise ProfileError(msg, path=self.path, line=line)

    # small checks
    def table(self, value, path) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "must be a table")
        return value

    def fields(self, value: dict, path: tuple, allowed: set[str], required: set[str] = frozenset()):
        self.table(value, path)
        for k in value:
            if k not in allowed:
                self.fail(path + (k,), f"unknown field '{k}' (allowed: {', '.join(sorted(allowed))})")
        for k in sorted(required):
            if k not in value:
                self.fail(path, f"missing field '{k}'")

    def text(self, value, path, *, required=True) -> str:
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(path, "must be a non-empty text")
        return value

    def clause(self, value, path) -> str:
        self.text(value, path)
        if value not in self.clauses:
            self.fail(path, f"clause '{value}' is not in the [clauses] table")
        return value

    def role(self, value, path) -> str:
        if not isinstance(value, str) or value not in self.roles_raw:
            self.fail(path, f"role '{value}' is not declared under [roles]")
        return value

    def load(self) -> Profile:
        d = self.data
        for k in d:
            if k not in self.TOP:
                self.fail((k,), f"unknown section '{k}' (allowed: {', '.join(sorted(self.TOP))})")
        for k in ("profile", "clauses", "roles", "facts", "questions", "rules"):
            if k not in d:
                raise ProfileError(f"missing section [{k}]", path=self.path)
        meta = d["profile"]
        self.fields(meta, ("profile",), {"name", "title", "description", "based_on"}, {"name", "title"})
        # clauses
        self.clauses: dict[str, str] = {}
        for key, value in self.table(d["clauses"], ("clauses",)).items():
            if not CLAUSE_RE.match(key):
                self.fail(("clauses", key), f"'{key}' is not a clause reference like \"001 §11.2\"")
            self.clauses[key] = self.text(value, ("clauses", key))
        # settings
        settings = dict(self.table(d.get("settings", {}), ("settings",)))
        for k, v in settings.items():
            if not KEY_RE.match(k):
                self.fail(("settings", k), "setting names are lower_snake_case")
            if k.endswith("_days") or k.endswith("_months"):
                if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                    self.fail(("settings", k), "must be a whole number, 0 or more")
            if k.endswith("_clause"):
                self.clause(v, ("settings", k))
        # roles
        self.roles_raw = self.table(d["roles"], ("roles",))
        roles: dict[str, RoleDef] = {}
        for key, r in self.roles_raw.items():
            p = ("roles", key)
            if not KEY_RE.match(key):
                self.fail(p, "role keys are lower_snake_case")
            self.fields(r, p, {"label", "alternate", "alternate_clause", "description"}, {"label"})
            alt = r.get("alternate")
            if alt is not None:
                self.role(alt, p + ("alternate",))
                if alt == key:
                    self.fail(p + ("alternate",), "a role cannot be its own alternate")
                if "alternate_clause" not in r:
                    self.fail(p, "an alternate needs the 'alternate_clause' that names it")
                self.clause(r["alternate_clause"], p + ("alternate_clause",))
            elif "alternate_clause" in r:
                self.fail(p + ("alternate_clause",), "alternate_clause without an alternate")
            roles[key] = RoleDef(key, self.text(r["label"], p + ("label",)), alt,
                                 r.get("alternate_clause"), r.get("description", ""))
        # facts
        self.facts: dict[str, Fact] = {}
        raw_facts = self.table(d["facts"], ("facts",))
        for key, f in raw_facts.items():
            p = ("facts", key)
            if not KEY_RE.match(key):
                self.fail(p, "fact keys are lower_snake_case")
            self.fields(f, p, {"kind", "description", "choices", "default", "when", "derived"}, {"kind"})
            kind = f["kind"]
            if kind not in FACT_KINDS:
                self.fail(p + ("kind",), f"kind must be one of {', '.join(FACT_KINDS)}")
            choices: tuple[Choice, ...] = ()
            if kind == "choice":
                ch = self.table(f.get("choices"), p + ("choices",)) if "choices" in f else None
                if not ch:
                    self.fail(p, "a choice fact needs a 'choices' table of value = \"label\"")
                choices = tuple(Choice(k, self.text(v, p + ("choices", k))) for k, v in ch.items())
            elif "choices" in f:
                self.fail(p + ("choices",), f"only choice facts have choices (this one is {kind})")
            elif kind == "bool":
                choices = (Choice(True, "Yes"), Choice(False, "No"))
            self.facts[key] = Fact(key, kind, f.get("description", ""), choices, None, {},
                                   bool(f.get("derived", False)))
        if CONFLICT_FACT in self.facts and self.facts[CONFLICT_FACT].kind != "roles":
            self.fail(("facts", CONFLICT_FACT), "must be of kind 'roles'")
        if SUBJECT_FACT in self.facts and self.facts[SUBJECT_FACT].kind != "choice":
            self.fail(("facts", SUBJECT_FACT), "must be of kind 'choice'")
        for key, f in raw_facts.items():
            p = ("facts", key)
            fact = self.facts[key]
            default = None
            if "default" in f:
                default = self.value(fact, f["default"], p + ("default",))
            when = self.condition(f.get("when", {}), p + ("when",))
            self.facts[key] = Fact(fact.key, fact.kind, fact.description, fact.choices, default,
                                   when, fact.derived)
        if SUBJECT_FACT in self.facts:
            for c in self.facts[SUBJECT_FACT].choices:
                if c.value not in roles:
                    self.fail(("facts", SUBJECT_FACT, "choices", c.value),
                              f"subject role '{c.value}' is not declared under [roles]")
        # questions
        qs: list[Question] = []
        seen_keys: set[str] = set()
        set_so_far: set[str] = set()
        raw_qs = d["questions"]
        if not isinstance(raw_qs, list):
            self.fail(("questions",), "must be an array of tables [[questions]]")
        for i, q in enumerate(raw_qs):
            p = ("questions", i)
            self.fields(q, p, {"key", "fact", "prompt", "clause", "reason", "when", "choices", "help",
                               "quote"},
                        {"key", "prompt", "clause", "reason"})
            key = self.text(q["key"], p + ("key",))
            if key in seen_keys:
                self.fail(p + ("key",), f"question key '{key}' is used twice")
            seen_keys.add(key)
            fact_key = q.get("fact", key)
            fact = self.facts.get(fact_key)
            if fact is None:
                self.fail(p + ("fact",), f"fact '{fact_key}' is not declared under [facts]")
            if fact.kind not in ("choice", "bool") or fact.derived:
                self.fail(p + ("fact",), f"fact '{fact_key}' cannot be asked (it is {fact.kind}"
                          f"{', derived' if fact.derived else ''})")
            when = self.condition(q.get("when", {}), p + ("when",))
            for ref in when:
                if ref not in set_so_far:
                    self.fail(p + ("when",), f"the condition uses fact '{ref}', which no earlier question sets")
            choices = fact.choices
            if "choices" in q:
                if not isinstance(q["choices"], list) or not q["choices"]:
                    self.fail(p + ("choices",), "must be a non-empty list of the fact's choice values")
                by_value = {c.value: c for c in fact.choices}
                for v in q["choices"]:
                    if v not in by_value:
                        self.fail(p + ("choices",), f"'{v}' is not a choice of fact '{fact_key}'")
                choices = tuple(by_value[v] for v in q["choices"])
            clause = self.clause(q["clause"], p + ("clause",))
            quote = q.get("quote", "")
            if quote and " ".join(self.text(quote, p + ("quote",)).split()).lower() not in \
                    " ".join(self.clauses[clause].split()).lower():
                self.fail(p + ("quote",), f"the quote is not in the text of clause '{clause}'")
            qs.append(Question(key, fact_key, fact.kind, self.text(q["prompt"], p + ("prompt",)),
                               clause, self.text(q["reason"], p + ("reason",)), choices,
                               fact.default, when, q.get("help", ""), quote))
            set_so_far.add(fact_key)
        asked = {q.fact for q in qs}
        for key, fact in self.facts.items():
            if fact.kind in ("choice", "bool") and not fact.derived and key not in asked \
                    and key != SUBJECT_FACT:
                self.fail(("facts", key), "no question sets this fact (ask it, or make it derived)")
        # derivations and contradictions
        derivations = []
        for i, dv in enumerate(self.list_of(d.get("derive", []), ("derive",))):
            p = ("derive", i)
            self.fields(dv, p, {"fact", "value", "when"}, {"fact", "value", "when"})
            fact = self.facts.get(dv["fact"])
            if fact is None:
                self.fail(p + ("fact",), f"fact '{dv['fact']}' is not declared under [facts]")
            derivations.append(_Derivation(fact.key, self.value(fact, dv["value"], p + ("value",)),
                                           self.condition(dv["when"], p + ("when",))))
        contradictions = []
        for i, c in enumerate(self.list_of(d.get("contradictions", []), ("contradictions",))):
            p = ("contradictions", i)
            self.fields(c, p, {"fact", "when", "message"}, {"fact", "when", "message"})
            if c["fact"] not in self.facts:
                self.fail(p + ("fact",), f"fact '{c['fact']}' is not declared under [facts]")
            contradictions.append(_Contradiction(c["fact"], self.condition(c["when"], p + ("when",)),
                                                 self.text(c["message"], p + ("message",))))
        # rules
        self.settings = settings
        rules = [self.rule(r, ("rules", i)) for i, r in enumerate(self.list_of(d["rules"], ("rules",)))]
        keys = set()
        for i, r in enumerate(rules):
            if r.key in keys:
                self.fail(("rules", i, "key"), f"rule key '{r.key}' is used twice")
            keys.add(r.key)
        addenda = [self.rule(r, ("addenda", i), addendum=True)
                   for i, r in enumerate(self.list_of(d.get("addenda", []), ("addenda",)))]
        notices = list(self.notes(d.get("notices", []), ("notices",), "text"))
        guidance = self.guidance(d.get("guidance", []))
        based_on = meta.get("based_on", [])
        if not isinstance(based_on, list) or not all(isinstance(b, str) for b in based_on):
            self.fail(("profile", "based_on"), "must be a list of seed prefixes like \"001\"")
        return Profile(meta["name"], meta["title"], self.path, meta.get("description", ""), settings,
                       self.clauses, roles, self.facts, qs, rules, derivations, contradictions, addenda,
                       notices, guidance, tuple(based_on))

    def guidance(self, items) -> list[Guidance]:
        out = []
        keys = set()
        for i, g in enumerate(self.list_of(items, ("guidance",))):
            p = ("guidance", i)
            self.fields(g, p, {"key", "topic", "keywords", "lines"}, {"key", "topic", "lines"})
            key = self.text(g["key"], p + ("key",))
            if not KEY_RE.match(key) or key in keys:
                self.fail(p + ("key",), f"guidance key '{key}' must be lower_snake_case and unique")
            keys.add(key)
            words = g.get("keywords", [])
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                self.fail(p + ("keywords",), "must be a list of words")
            lines = []
            for j, line in enumerate(self.list_of(g["lines"], p + ("lines",))):
                lp = p + ("lines", j)
                self.fields(line, lp, {"text", "clause"}, {"text", "clause"})
                lines.append(GuidanceLine(self.text(line["text"], lp + ("text",)),
                                          self.clause(line["clause"], lp + ("clause",))))
            if not lines:
                self.fail(p + ("lines",), "a topic needs at least one line")
            out.append(Guidance(key, self.text(g["topic"], p + ("topic",)), tuple(lines),
                                tuple(words)))
        return out

    def list_of(self, value, path) -> list:
        if not isinstance(value, list):
            self.fail(path, "must be an array of tables")
        return value

    def value(self, fact: Fact, v, path):
        try:
            return _check_value(fact, v)
        except FactError as exc:
            self.fail(path, exc.message)

    def condition(self, cond, path) -> dict:
        cond = self.table(cond, path)
        for key, m in cond.items():
            fact = self.facts.get(key)
            if fact is None:
                self.fail(path + (key,), f"fact '{key}' is not declared under [facts]")
            if isinstance(m, dict):
                for op, v in m.items():
                    if op == "not":
                        for x in (v if isinstance(v, list) else [v]):
                            self.value(fact, x, path + (key,))
                    elif op in ("min", "max"):
                        if fact.kind != "int" or not isinstance(v, int):
                            self.fail(path + (key,), f"'{op}' needs a whole number and an int fact")
                    elif op == "has":
                        if fact.kind != "roles":
                            self.fail(path + (key,), "'has' works on a roles fact")
                        self.role(v, path + (key,))
                    else:
                        self.fail(path + (key,), f"unknown test '{op}' (use not, min, max, has)")
            elif isinstance(m, list):
                if not m:
                    self.fail(path + (key,), "an empty list never matches")
                for x in m:
                    self.value(fact, x, path + (key,))
            else:
                self.value(fact, m, path + (key,))
        return cond

    def notes(self, items, path, text_field, *, records=False) -> tuple[_NoteSpec, ...]:
        out = []
        for i, t in enumerate(self.list_of(items, path)):
            p = path + (i,)
            self.fields(t, p, {text_field, "clause", "when"} | ({"records"} if records else set()),
                        {text_field, "clause"})
            out.append(_NoteSpec(self.text(t[text_field], p + (text_field,)),
                                 self.clause(t["clause"], p + ("clause",)),
                                 self.condition(t.get("when", {}), p + ("when",)),
                                 self.records(t.get("records", ""), p + ("records",))))
        return tuple(out)

    def records(self, value, path) -> str:
        if value and value not in RECORDS:
            self.fail(path, f"must be one of: {', '.join(RECORDS)}")
        return value or ""

    def rule(self, r, p, addendum=False) -> _Rule:
        allowed = {"key", "when", "outcome", "clause", "steps", "tasks", "warnings", "due_working_days",
                   "refusal"}
        if not isinstance(r.get("refusal", False), bool):
            self.fail(p + ("refusal",), "must be true or false")
        required = {"key", "when"} if addendum else {"key", "when", "outcome", "clause", "steps"}
        self.fields(r, p, allowed, required)
        steps = []
        for j, s in enumerate(self.list_of(r.get("steps", []), p + ("steps",))):
            sp = p + ("steps", j)
            self.fields(s, sp, {"handler", "action", "in_writing", "clause", "reason", "when",
                                "on_conflict", "records"},
                        {"handler", "action", "in_writing", "clause"})
            if not isinstance(s["in_writing"], bool):
                self.fail(sp + ("in_writing",), "must be true or false")
            oc = s.get("on_conflict", "alternate")
            if oc not in ("alternate", "skip"):
                self.fail(sp + ("on_conflict",), "must be 'alternate' or 'skip'")
            steps.append(_StepSpec(self.role(s["handler"], sp + ("handler",)),
                                   self.text(s["action"], sp + ("action",)), s["in_writing"],
                                   self.clause(s["clause"], sp + ("clause",)),
                                   s.get("reason", ""), self.condition(s.get("when", {}), sp + ("when",)), oc,
                                   self.records(s.get("records", ""), sp + ("records",))))
        due = r.get("due_working_days")
        if due is not None:
            if isinstance(due, str):
                if due not in self.settings:
                    self.fail(p + ("due_working_days",), f"setting '{due}' is not under [settings]")
            elif not isinstance(due, int) or isinstance(due, bool) or due < 0:
                self.fail(p + ("due_working_days",), "must be a whole number or a setting name")
        outcome = r.get("outcome", "")
        if not addendum:
            self.text(outcome, p + ("outcome",))
        return _Rule(self.text(r["key"], p + ("key",)), self.condition(r["when"], p + ("when",)),
                     outcome, self.clause(r["clause"], p + ("clause",)) if "clause" in r else "",
                     tuple(steps), self.notes(r.get("tasks", []), p + ("tasks",), "description",
                                              records=True),
                     self.notes(r.get("warnings", []), p + ("warnings",), "text"), due,
                     r.get("refusal", False))


def _check_value(fact: Fact, v):
    """The value, if it fits the fact's kind and choices; else FactError."""
    if fact.kind == "bool":
        if not isinstance(v, bool):
            raise FactError(fact.key, f"must be true or false, not {json.dumps(v)}")
    elif fact.kind == "int":
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise FactError(fact.key, f"must be a whole number, 0 or more, not {json.dumps(v)}")
    elif fact.kind == "choice":
        values = fact.choice_values()
        if not isinstance(v, str) or v not in values:
            raise FactError(fact.key, f"{json.dumps(v)} is not one of: {', '.join(values)}")
    elif fact.kind == "roles":
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise FactError(fact.key, f"must be a list of role keys, not {json.dumps(v)}")
        return list(dict.fromkeys(v))
    return v


def _read(path: Path) -> tuple[str, dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError("no such profile file", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot be read ({exc})", path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        if m:
            msg = msg[: m.start()].strip() + f" (column {m.group(2)})"
        raise ProfileError(f"not valid TOML: {msg}", path=str(path), line=line) from None
    return text, data


def bundled_profiles() -> list[str]:
    """The names of the profiles shipped with clerkdesk."""
    from importlib.resources import files

    return sorted(p.name[:-5] for p in files("clerkdesk.models.rules.protocols").iterdir()
                  if p.name.endswith(".toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a bundled profile by name ("town", "principal") or a profile file by path."""
    text_name = str(name_or_path)
    if isinstance(name_or_path, Path) or text_name.endswith(".toml") or "/" in text_name \
            or "\\" in text_name:
        path = Path(name_or_path).expanduser()
    else:
        if not KEY_RE.match(text_name):
            raise ProfileError(f"'{text_name}' is not a profile name or a .toml file path",
                               path=text_name)
        from importlib.resources import as_file, files

        res = files("clerkdesk.models.rules.protocols") / f"{text_name}.toml"
        if not res.is_file():
            raise ProfileError(
                f"there is no bundled profile called '{text_name}' (bundled: "
                f"{', '.join(bundled_profiles())}; or give the path of a .toml copy)",
                path=text_name)
        with as_file(res) as real:
            return _load_file(Path(real))
    return _load_file(path)


def _load_file(path: Path) -> Profile:
    """Read and check a profile file, once per version of the file: the case detail asks
    for the council's profile on every cursor move, and parsing it takes ~8 ms."""
    try:
        st = path.stat()
    except OSError:
        text, data = _read(path)  # _read says what is wrong with a missing file
        return _Loader(data, text, str(path)).load()
    return _load_cached(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> Profile:
    text, data = _read(Path(path))
    return _Loader(data, text, path).load()


def _matches(cond: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    for key, m in cond.items():
        if key not in facts:
            return False
        v = facts[key]
        if isinstance(m, dict):
            for op, x in m.items():
                if op == "not" and (v in x if isinstance(x, list) else v == x):
                    return False
                if op == "min" and not v >= x:
                    return False
                if op == "max" and not v <= x:
                    return False
                if op == "has" and x not in v:
                    return False
        elif isinstance(m, list):
            if v not in m:
                return False
        elif v != m or type(v) is not type(m):
            return False
    return True


def _describe(cond: Mapping[str, Any]) -> str:
    parts = []
    for key, m in cond.items():
        if isinstance(m, dict):
            for op, x in m.items():
                sym = {"not": "is not", "min": ">=", "max": "<=", "has": "includes"}[op]
                parts.append(f"{key} {sym} {json.dumps(x)}")
        elif isinstance(m, list):
            parts.append(f"{key} is one of {', '.join(json.dumps(x) for x in m)}")
        else:
            parts.append(f"{key} is {json.dumps(m)}")
    return " and ".join(parts) or "always"


def _walk(profile: Profile, answers: Mapping[str, Any], fill_defaults: bool = False):
    """Yield (question, value-or-None) for every question that applies, in order.

    With fill_defaults, an unanswered question with a default counts as answered with it
    when deciding whether later questions apply (the route does this; the wizard not)."""
    known: dict[str, Any] = {}
    done: set[str] = set()
    for q in profile.question_list:
        if q.fact in done or not _matches(q.when, known):
            continue
        done.add(q.fact)
        value = answers.get(q.fact)
        if value is not None:
            known[q.fact] = value
        elif fill_defaults and q.default is not None:
            known[q.fact] = q.default
        yield q, value


def _pending(profile: Profile, eff: Mapping[str, Any]) -> set[str]:
    """Facts not known yet that may still be answered (their question is not ruled out)."""
    pending = {q.fact for q in profile.question_list
               if q.fact not in eff and _match3(q.when, eff) is not False}
    for key, fact in profile.facts.items():
        if fact.derived and key not in eff and any(
                k in pending for d in profile.derivations if d.fact == key for k in d.when):
            pending.add(key)
    return pending


def _wizard(profile: Profile, answers: Mapping[str, Any]):
    """(status, blocking facts, applicable questions with their answers) so far."""
    eff, walked, _ = _collect(profile, answers or {}, fill_defaults=False)
    status, _rule, blocking = _decide(profile, eff, _pending(profile, eff))
    return status, blocking, walked


def questions(profile: Profile, answers: Mapping[str, Any] | None = None) -> list[Question]:
    """The questions that apply given the answers so far, in order.

    Lists the answered ones and, while the route is not yet decided, the unanswered ones
    whose conditions hold. A question whose condition depends on a fact not yet answered
    is not listed (yet): answer the listed ones and call again.
    """
    status, _blocking, walked = _wizard(profile, answers or {})
    return [q for q, v in walked if v is not None or status == "open"]


def next_question(profile: Profile, answers: Mapping[str, Any] | None = None) -> Question | None:
    """The next question to ask, or None when the answers decide the route (call route()
    then; it fills unanswered questions' defaults).

    Asks first what the route now depends on (the profile's rules in order), else the
    first unanswered applicable question in the profile's order."""
    status, blocking, walked = _wizard(profile, answers or {})
    if status != "open":
        return None
    unanswered = [q for q, v in walked if v is None]
    for q in unanswered:
        if q.fact in blocking:
            return q
    return unanswered[0] if unanswered else None


def applicable_answers(profile: Profile, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that still apply (after going back and changing an earlier answer),
    plus the hidden facts (conflicted_roles, previous_complaints...) that apply."""
    out = {q.fact: v for q, v in _walk(profile, answers, fill_defaults=True) if v is not None}
    for key, fact in profile.facts.items():
        if key in answers and key not in out and not _asked(profile, key) and not fact.derived \
                and _matches(fact.when, out):
            out[key] = answers[key]
    return out


def _asked(profile: Profile, fact: str) -> bool:
    return any(q.fact == fact for q in profile.question_list)


@dataclass
class RouteStep:
    handler: str
    action: str
    in_writing: bool
    clause: str
    reason: str = ""
    replaces: str | None = None  # the role that was conflicted, when an alternate took it
    records: str = ""  # what doing it records besides the step ("advice"; see RECORDS)


@dataclass
class RouteTask:
    description: str
    clause: str
    records: str = ""  # what doing it records ("advice"; see RECORDS)


@dataclass
class Caution:
    text: str
    clause: str


@dataclass
class Route:
    outcome: str
    outcome_key: str
    clause: str
    steps: list[RouteStep]
    tasks: list[RouteTask]
    due_working_days: int | None
    warnings: list[Caution]
    facts: dict[str, Any]
    profile: str
    clause_texts: dict[str, str] = field(default_factory=dict)
    refusal: bool = False  # the outcome refuses or declines: its reasons must be recorded

    @property
    def handlers(self) -> list[str]:
        return [s.handler for s in self.steps]

    def clauses(self) -> list[str]:
        seen = [self.clause] + [s.clause for s in self.steps] + [t.clause for t in self.tasks] \
            + [w.clause for w in self.warnings]
        return list(dict.fromkeys(c for c in seen if c))

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "outcome": self.outcome,
            "outcome_key": self.outcome_key,
            "refusal": self.refusal,
            "clause": self.clause,
            "steps": [asdict(s) for s in self.steps],
            "tasks": [asdict(t) for t in self.tasks],
            "due_working_days": self.due_working_days,
            "warnings": [asdict(w) for w in self.warnings],
            "facts": self.facts,
            "clauses": {c: self.clause_texts.get(c, "") for c in self.clauses()},
        }

    def to_json(self, **kw) -> str:
        kw.setdefault("indent", 2)
        kw.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kw)


def _collect(profile: Profile, facts: Mapping[str, Any], *, fill_defaults: bool):
    """Check the given facts and work out the effective ones.

    Returns (eff, walked, inapplicable): eff holds the known facts (with the defaults of
    unanswered questions when fill_defaults) and derived facts; walked lists (question,
    given value or None) for the applicable questions in order; inapplicable lists given
    facts that apply to no applicable question. Raises FactError for unknown keys, values of
    the wrong kind, and values that no applicable question allows.
    """
    if not isinstance(facts, Mapping):
        raise FactError("case", "the facts must be a JSON object of fact: value")
    given: dict[str, Any] = {}
    for key, value in facts.items():
        fact = profile.facts.get(key)
        if fact is None:
            raise FactError(key, f"unknown fact for profile '{profile.name}' (known facts: "
                            f"{', '.join(k for k, f in profile.facts.items() if not f.derived)})")
        if fact.derived:
            raise FactError(key, "is worked out from the other facts; do not give it")
        if value is None:
            continue
        given[key] = _check_value(fact, value)
    if CONFLICT_FACT in given:
        for r in given[CONFLICT_FACT]:
            if r not in profile.roles:
                raise FactError(CONFLICT_FACT, f"'{r}' is not a role of profile '{profile.name}' "
                                f"(roles: {', '.join(profile.roles)})")
    eff: dict[str, Any] = {}
    applied: set[str] = set()
    walked = []
    for q, v in _walk(profile, given, fill_defaults=fill_defaults):
        walked.append((q, v))
        applied.add(q.fact)
        if v is not None:
            allowed = [c.value for c in q.choices]
            if v not in allowed:
                raise FactError(q.fact, f"{json.dumps(v)} does not fit when {_describe(q.when)}"
                                f" (possible: {', '.join(json.dumps(x) for x in allowed)})")
            eff[q.fact] = v
        elif fill_defaults and q.default is not None:
            eff[q.fact] = q.default
    for key, fact in profile.facts.items():
        if key in applied or fact.derived or _asked(profile, key):
            continue
        if _matches(fact.when, eff):
            applied.add(key)
            if key in given:
                eff[key] = given[key]
            elif fact.default is not None:
                eff[key] = fact.default
    inapplicable = []
    for key, v in given.items():
        if key in applied:
            continue
        fact = profile.facts[key]
        if fact.default is not None and v == fact.default:
            continue  # an inapplicable fact left at its default says nothing
        inapplicable.append(key)
    for d in profile.derivations:
        if _matches(d.when, eff) and (profile.facts[d.fact].derived or d.fact not in given):
            eff[d.fact] = d.value
    for key, fact in profile.facts.items():
        if fact.derived and key not in eff and fact.default is not None and _matches(fact.when, eff):
            refs = {k for d in profile.derivations if d.fact == key for k in d.when}
            if fill_defaults or refs <= set(eff):
                eff[key] = fact.default
    return eff, walked, inapplicable


def _match3(cond: Mapping[str, Any], facts: Mapping[str, Any], pending=None) -> bool | None:
    """True, False, or None when it depends on a fact not known yet (one in *pending*, or
    any unknown fact when pending is None); a fact that can no longer be known never matches."""
    unknown = False
    for key, m in cond.items():
        if key not in facts:
            if pending is not None and key not in pending:
                return False
            unknown = True
        elif not _matches({key: m}, facts):
            return False
    return None if unknown else True


def _unknown(cond: Mapping[str, Any], eff: Mapping[str, Any]) -> set[str]:
    return {k for k in cond if k not in eff}


def _decide(profile: Profile, eff: Mapping[str, Any], pending=None):
    """(status, rule, blocking): ("decided", rule, set()); ("open", None, facts) while
    the unknown *facts* could change the route; or ("none", None, set())."""
    for rule in profile.rules:
        m = _match3(rule.when, eff, pending)
        if m is False:
            continue
        if m is None:
            return "open", None, _unknown(rule.when, eff)
        # the rule is chosen; its steps, tasks, warnings and the addenda may still depend
        # on a fact not known yet (e.g. "and the S151 Officer if financial irregularity")
        parts = [rule]
        for a in profile.addenda:
            am = _match3(a.when, eff, pending)
            if am is None:
                return "open", None, _unknown(a.when, eff)
            if am:
                parts.append(a)
        for part in parts:
            for item in part.steps + part.tasks + part.warnings:
                if _match3(item.when, eff, pending) is None:
                    return "open", None, _unknown(item.when, eff)
        return "decided", rule, set()
    return "none", None, set()


def _conflicted(role: str, facts: Mapping[str, Any]) -> str | None:
    if facts.get(SUBJECT_FACT) == role:
        return "is the subject of the case"
    if role in facts.get(CONFLICT_FACT, ()):
        return "is conflicted"
    return None


def _make_steps(profile: Profile, specs, eff, steps: list[RouteStep], warnings: list[Caution]):
    for spec in specs:
        if not _matches(spec.when, eff):
            continue
        handler = spec.handler
        why = _conflicted(handler, eff)
        if why is None:
            steps.append(RouteStep(handler, spec.action, spec.in_writing, spec.clause, spec.reason,
                                   records=spec.records))
            continue
        if spec.on_conflict == "skip":
            warnings.append(Caution(f"The {profile.role_label(handler)} {why}, so does not take "
                                    f"part: {spec.action}", spec.clause))
            continue
        seen = [handler]
        notes = []
        while why is not None:
            role = profile.roles[handler]
            if role.alternate is None or role.alternate in seen:
                fact = SUBJECT_FACT if eff.get(SUBJECT_FACT) == handler else CONFLICT_FACT
                raise FactError(fact, f"no one is left to take the step \"{spec.action}\" "
                                f"({spec.clause}): {', '.join(profile.role_label(r) for r in seen)} "
                                f"cannot act and the profile names no further alternate")
            notes.append(f"the {profile.role_label(handler)} {why}, so the "
                         f"{profile.role_label(role.alternate)} takes this step ({role.alternate_clause})")
            handler = role.alternate
            seen.append(handler)
            why = _conflicted(handler, eff)
        reason = "; ".join(notes)
        reason = reason[0].upper() + reason[1:]
        if spec.reason:
            reason = f"{spec.reason} {reason}."
        else:
            reason += "."
        steps.append(RouteStep(handler, spec.action, spec.in_writing, spec.clause, reason, spec.handler,
                               spec.records))


def route(profile: Profile, facts: Mapping[str, Any]) -> Route:
    """The protocol's route for the facts of one case.

    Raises FactError naming the fact that is unknown, contradictory or missing.
    """
    eff, walked, inapplicable = _collect(profile, facts, fill_defaults=True)
    for c in profile.contradictions:
        if _matches(c.when, eff):
            raise FactError(c.fact, c.message)
    status, rule, _blocking = _decide(profile, eff, _pending(profile, eff))
    if status == "open":
        for q, v in walked:
            if q.fact not in eff:
                raise FactError(q.fact, f"missing: {q.prompt} (possible: "
                                f"{', '.join(json.dumps(c.value) for c in q.choices)})")
    if inapplicable:
        key = inapplicable[0]
        asked_when = [q.when for q in profile.question_list if q.fact == key] \
            or [profile.facts[key].when]
        raise FactError(key, "does not apply to these facts (it applies when "
                        + " or ".join(_describe(w) for w in asked_when) + ")")
    if status != "decided":
        raise FactError("case", f"profile '{profile.name}' has no route for these facts "
                        f"({', '.join(f'{k}={json.dumps(v)}' for k, v in eff.items())})")
    steps: list[RouteStep] = []
    tasks: list[RouteTask] = []
    warnings: list[Caution] = []
    due = None
    for part in [rule] + [a for a in profile.addenda if _matches(a.when, eff)]:
        _make_steps(profile, part.steps, eff, steps, warnings)
        tasks += [RouteTask(t.text, t.clause, t.records) for t in part.tasks if _matches(t.when, eff)]
        warnings += [Caution(w.text, w.clause) for w in part.warnings if _matches(w.when, eff)]
        if part.due_working_days is not None and due is None:
            d = part.due_working_days
            due = int(profile.settings[d]) if isinstance(d, str) else d
    return Route(rule.outcome, rule.key, rule.clause, steps, tasks, due, warnings, eff, profile.name,
                 dict(profile.clauses), refusal=rule.refusal)


@dataclass(frozen=True)
class Notice:
    text: str
    clause: str
    facts: tuple[str, ...]  # the facts its condition tests


def notices(profile: Profile, facts: Mapping[str, Any]) -> list[Notice]:
    """The profile's `[[notices]]` that hold, or may yet hold, for an open case with these
    facts (the pre-election warning on a member's public meeting, 003 §11(b)): a notice
    whose condition depends on a fact not known yet (the case is not routed) is shown; one
    that a known fact rules out is not."""
    out = []
    for n in profile.notices:
        if _match3(n.when, facts) is not False:
            out.append(Notice(n.text, n.clause, tuple(n.when)))
    return out
