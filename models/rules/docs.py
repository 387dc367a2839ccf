"""The profiles' documentation, generated from the profiles themselves, so that it cannot
drift from them: each profile's facts table and the roles table (the README's "Facts"),
the `clerkdesk route` examples, and the coverage table of every numbered clause of the
seeds (models/rules/protocols/README.md): encoded, shown as guidance, or left out (the
reasons are in models/rules/coverage.toml). No Textual.

    python -m clerkdesk.models.rules.docs --seeds ../shared/seeds          # rewrite
    python -m clerkdesk.models.rules.docs --seeds ../shared/seeds --check  # exit 1 if stale

The generated parts sit between `<!-- generated: NAME -->` and `<!-- /generated: NAME -->`.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from clerkdesk.models.rules import rulebook
from clerkdesk.models.rules.rulebook import _describe

PROTOCOLS = Path(__file__).parent / "protocols"
COVERAGE_FILE = Path(__file__).parent / "coverage.toml"

#: the seeds' headed sections that have no numbers (000, 004), as the profiles cite them:
#: the heading's line in the text -> the key after "§"
HEADINGS = {
    "000": {"Introduction": "Introduction", "Scope": "Scope", "Roles": "Roles",
            "Members": "Members", "Officers": "Officers", "Expectations": "Expectations",
            "General Principles": "General Principles",
            "Political Groups in a Town Council setting": "Political Groups",
            "Dealing with problems": "Dealing with problems",
            "Procedure for Officers": "Procedure for Officers",
            "Procedure for Members": "Procedure for Members"},
    "004": {"Members": "Members", "Officers": "Officers",
            "Behaviour Expected from Members and Officers": "Behaviour Expected from Members and Officers",
            "In addition it is proposed that the following is added:": "Addendum"},
}


# --- the seeds' numbering ----------------------------------------------------------------------

def seed_clauses(prefix: str, text: str) -> list[str]:
    """Every numbered clause of one seed, in order, as the profiles cite them: "001 §5.3",
    a section without numbered clauses as "001 §7", 003's sections and lettered items
    ("003 §11", "003 §11(b)"), and for 000 and 004 the headed sections ("000 §Scope")."""
    out: list[str] = []

    def add(key: str) -> None:
        if key not in out:
            out.append(key)

    lines = text.splitlines()
    if prefix in HEADINGS:
        for line in lines:
            key = HEADINGS[prefix].get(line.strip())
            if key:
                add(f"{prefix} §{key}")
    if prefix == "003":
        section = None
        for line in lines:
            m = re.match(r"^(\d+)\. [A-Z]", line)
            if m:
                section = m.group(1)
                add(f"003 §{section}")
                continue
            m = re.match(r"^\s*- ([a-z])\) ", line)
            if m and section:
                add(f"003 §{section}({m.group(1)})")
        return out
    sections: list[str] = []
    numbered: set[str] = set()
    for line in lines:
        m = re.match(r"^(\d+)(?:\.|) (?:\*\*)?[A-Z]", line)
        if m and not re.match(r"^\d+\.\d", line):
            sections.append(m.group(1))
        m = re.match(r"^\s*(?:- )?(\d+)\.(\d+) ", line)
        if m:
            numbered.add(m.group(1))
            add(f"{prefix} §{m.group(1)}.{m.group(2)}")
    for s in sections:
        if s not in numbered:
            add(f"{prefix} §{s}")
    return _in_order(out)


def _in_order(keys: list[str]) -> list[str]:
    def key(k: str):
        ref = k.split("§", 1)[1]
        parts = re.findall(r"\d+|[A-Za-z]+", ref)
        return [(0, int(p)) if p.isdigit() else (1, p) for p in parts]

    numbered = [k for k in keys if k.split("§", 1)[1][:1].isdigit()]
    headed = [k for k in keys if k not in numbered]
    return headed + sorted(numbered, key=key)


def all_seed_clauses(seeds: dict[str, str]) -> list[str]:
    out = []
    for prefix in sorted(seeds):
        out += seed_clauses(prefix, seeds[prefix])
    return out


def read_seeds(folder) -> dict[str, str]:
    """The seeds' texts by prefix ("000" -> text) from a folder of NNN_*.txt files."""
    out = {}
    for path in sorted(Path(folder).glob("[0-9][0-9][0-9]_*.txt")):
        out[path.name[:3]] = path.read_text(encoding="utf-8")
    return out


# --- coverage ---------------------------------------------------------------------------------

@dataclass
class CoverageRow:
    clause: str
    status: str  # encoded | guidance | left out | MISSING
    where: str


def load_left_out(path=COVERAGE_FILE) -> dict[str, str]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return dict(data.get("left_out", {}))


def coverage(profiles: list[rulebook.Profile], seeds: dict[str, str],
             left_out: dict[str, str] | None = None) -> list[CoverageRow]:
    """Each seed clause: encoded (cited by a question, rule, step, task, warning, notice,
    role or setting of a profile), shown as guidance (cited only by a guidance topic), or
    left out (with the reason from coverage.toml); MISSING if none of these."""
    left_out = load_left_out() if left_out is None else left_out
    rows = []
    for clause in all_seed_clauses(seeds):
        encoded, guided = [], []
        for p in profiles:
            places = p.cited().get(clause, [])
            uses = [w for w in places if not w.startswith("guidance ")]
            topics = [w.split(" ", 1)[1] for w in places if w.startswith("guidance ")]
            if uses:
                encoded.append(f"{p.name}: " + ", ".join(_short(uses)))
            if topics:
                guided.append(f"{p.name}: " + ", ".join(sorted(set(topics))))
        if encoded:
            where = "; ".join(encoded) + (f" (guidance {'; '.join(guided)})" if guided else "")
            rows.append(CoverageRow(clause, "encoded", where))
        elif guided:
            rows.append(CoverageRow(clause, "guidance", "topics " + "; ".join(guided)))
        elif clause in left_out:
            rows.append(CoverageRow(clause, "left out", left_out[clause]))
        else:
            rows.append(CoverageRow(clause, "MISSING", ""))
    return rows


def _short(uses: list[str], limit: int = 4) -> list[str]:
    names = []
    for w in uses:
        kind, _sep, name = w.partition(" ")
        names.append(name if kind in ("rule", "addendum") else f"{kind} {name}")
    names = list(dict.fromkeys(names))
    return names[:limit] + ([f"+{len(names) - limit} more"] if len(names) > limit else [])


def coverage_table(rows: list[CoverageRow]) -> str:
    counts = {s: sum(r.status == s for r in rows) for s in ("encoded", "guidance", "left out")}
    out = [f"{len(rows)} clauses and headed sections: {counts['encoded']} encoded, "
           f"{counts['guidance']} shown as guidance, {counts['left out']} left out.", "",
           "| clause | status | where, or why not |", "| --- | --- | --- |"]
    for r in rows:
        out.append(f"| {r.clause} | {r.status} | {_cell(r.where)} |")
    return "\n".join(out)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


# --- facts and roles ----------------------------------------------------------------------------

def _asked_when(profile: rulebook.Profile, key: str) -> str:
    fact = profile.facts[key]
    qs = [q for q in profile.question_list if q.fact == key]
    if qs:
        return " / ".join(_describe(q.when) for q in qs)
    if fact.derived:
        return "derived: " + _describe(fact.when)
    return "hidden: " + _describe(fact.when)


def _values(fact: rulebook.Fact) -> str:
    if fact.kind == "choice":
        return ", ".join(f"`{c.value}`" for c in fact.choices)
    if fact.kind == "bool":
        return "`true`, `false`"
    if fact.kind == "int":
        return "0, 1, 2, ..."
    return "list of role keys"


def facts_table(profile: rulebook.Profile) -> str:
    out = ["| fact | kind | values | default | asked when |", "| --- | --- | --- | --- | --- |"]
    for key, fact in profile.facts.items():
        default = "" if fact.default is None else f"`{json.dumps(fact.default)}`"
        out.append(f"| `{key}` | {fact.kind} | {_values(fact)} | {default} | "
                   f"{_cell(_asked_when(profile, key))} |")
    return "\n".join(out)


def roles_table(profiles: list[rulebook.Profile]) -> str:
    names = [p.name for p in profiles]
    out = ["| role key | " + " | ".join(names) + " | alternate when conflicted |",
           "| --- | " + " | ".join("---" for _ in names) + " | --- |"]
    keys = list(dict.fromkeys(k for p in profiles for k in p.roles))
    for k in keys:
        labels = [p.roles[k].label if k in p.roles else "" for p in profiles]
        alts = [f"{p.name}: `{p.roles[k].alternate}` ({p.roles[k].alternate_clause})"
                for p in profiles if k in p.roles and p.roles[k].alternate]
        out.append(f"| `{k}` | " + " | ".join(labels) + " | " + "; ".join(alts) + " |")
    return "\n".join(out)


def profile_facts_sections(profiles: list[rulebook.Profile]) -> str:
    out = []
    for p in profiles:
        out += [f"#### Facts of the `{p.name}` profile", "", facts_table(p), ""]
    return "\n".join(out).rstrip()


# --- the route examples ----------------------------------------------------------------------------

EXAMPLE = re.compile(r"(\$ echo '(?P<facts>\{[^\n]*\})' \| clerkdesk route --profile (?P<profile>\w+)\n"
                     r"```\n\n```json\n)(?P<json>.*?)(\n```)", re.S)


def example_output(profile: str, facts: dict) -> str:
    d = rulebook.route(rulebook.load_profile(profile), facts).to_dict()
    d.pop("facts")
    d.pop("clauses")
    return json.dumps(d, indent=2, ensure_ascii=False)


def refresh_examples(text: str) -> str:
    """Every `$ echo '{...}' | clerkdesk route --profile P` example with its JSON as the
    engine gives it now."""
    def redo(m):
        out = example_output(m.group("profile"), json.loads(m.group("facts")))
        return m.group(1) + out + m.group(5)

    return EXAMPLE.sub(redo, text)


# --- writing ----------------------------------------------------------------------------------

def replace_generated(text: str, name: str, body: str) -> str:
    start, end = f"<!-- generated: {name} -->", f"<!-- /generated: {name} -->"
    if start not in text or end not in text:
        raise ValueError(f"the markers {start} ... {end} are missing")
    a = text.index(start) + len(start)
    b = text.index(end)
    return text[:a] + "\n" + body.rstrip() + "\n" + text[b:]


def bundled() -> list[rulebook.Profile]:
    return [rulebook.load_profile(n) for n in ("town", "principal")]


def readme_text(text: str) -> str:
    """The project README with its generated parts as the profiles say now."""
    profiles = bundled()
    text = replace_generated(text, "facts", profile_facts_sections(profiles))
    text = replace_generated(text, "roles", roles_table(profiles))
    return refresh_examples(text)


def protocols_readme_text(text: str, seeds: dict[str, str]) -> str:
    return replace_generated(text, "coverage", coverage_table(coverage(bundled(), seeds)))


def main(argv=None) -> int:
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(prog="python -m clerkdesk.models.rules.docs")
    ap.add_argument("--seeds", default=str(root / "tests" / "data" / "seeds"))
    ap.add_argument("--check", action="store_true", help="exit 1 if a README is stale")
    args = ap.parse_args(argv)
    seeds = read_seeds(args.seeds)
    stale = []
    for path, make in ((root / "README.md", readme_text),
                       (PROTOCOLS / "README.md", lambda t: protocols_readme_text(t, seeds))):
        old = path.read_text(encoding="utf-8")
        new = make(old)
        if new != old:
            stale.append(str(path))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print("stale: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
