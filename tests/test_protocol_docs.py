"""The documentation generated from the profiles (models/rules/docs.py): the README's
facts and roles tables and route examples, and the coverage table of every numbered
clause of the seeds. The seeds are in tests/data/seeds, a byte-for-byte copy of the
project's ../shared/seeds (checked when that folder is there)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from clerkdesk.models.rules import docs, rulebook

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).parent / "data" / "seeds"
PROFILES = docs.bundled()


def test_the_seeds_copy_is_the_shared_one():
    shared = next((p / "shared" / "seeds" for p in ROOT.parents if (p / "shared" / "seeds").is_dir()), None)
    if shared is None:
        pytest.skip("no shared seeds folder beside this checkout; the copy in tests/data is used")
    for path in shared.iterdir():
        assert (SEEDS / path.name).read_bytes() == path.read_bytes(), path.name


def test_the_numbering_is_parsed_from_the_seeds():
    seeds = docs.read_seeds(SEEDS)
    assert sorted(seeds) == ["000", "001", "002", "003", "004"]
    clauses = docs.all_seed_clauses(seeds)
    # spot checks, one of each kind of numbering
    for c in ("000 §Procedure for Members", "001 §5.3", "001 §7", "001 §11.9", "002 §2.6",
              "002 §4", "003 §10", "003 §11(b)", "003 §15(y)", "004 §1.6", "004 §Addendum"):
        assert c in clauses
    assert len([c for c in clauses if c.startswith("001 §11.")]) == 9
    assert len([c for c in clauses if c.startswith("003 §15(")]) == 10
    # every heading of 000 and 004 the parser knows is a line of its text
    for prefix, headings in docs.HEADINGS.items():
        lines = {ln.strip() for ln in seeds[prefix].splitlines()}
        assert set(headings) <= lines


def test_every_clause_of_the_seeds_is_encoded_shown_or_left_out_with_why():
    seeds = docs.read_seeds(SEEDS)
    rows = docs.coverage(PROFILES, seeds)
    assert [r.clause for r in rows if r.status == "MISSING"] == []
    assert {r.status for r in rows} == {"encoded", "guidance", "left out"}
    left_out = docs.load_left_out()
    clauses = set(docs.all_seed_clauses(seeds))
    cited = {c for p in PROFILES for c in p.cited()}
    assert set(left_out) <= clauses, "a reason for a clause the seeds do not have"
    assert not set(left_out) & cited, "a clause both cited and left out"
    assert all(len(why) > 20 for why in left_out.values())
    # and every clause a profile cites is one the seeds have
    assert cited <= clauses


def test_the_readme_tables_and_examples_are_generated_from_the_profiles():
    """Item 7: the README's facts table was one table for both profiles, listing values a
    profile refuses. Now one table per profile, generated: `principal` lists its three
    purposes, `town` has no `addressing`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.readme_text(readme) == readme, "run: python -m clerkdesk.models.rules.docs"
    protocols = (docs.PROTOCOLS / "README.md").read_text(encoding="utf-8")
    assert docs.protocols_readme_text(protocols, docs.read_seeds(SEEDS)) == protocols

    def row(profile, fact):
        section = readme[readme.index(f"#### Facts of the `{profile}` profile"):]
        section = section[:section.index("<!-- /generated: facts -->")]
        nxt = section.find("#### Facts of the", 10)
        section = section[:nxt] if nxt > 0 else section
        return next(line for line in section.splitlines() if line.startswith(f"| `{fact}` |"))

    assert re.findall(r"`(\w+)`", row("principal", "purpose").split("|")[3]) == \
        ["council_business", "private", "political"]
    assert "addressing" not in row("town", "correspondence_action")
    assert "addressing" in row("principal", "correspondence_action")
    town = rulebook.load_profile("town")
    assert len(re.findall(r"`(\w+)`", row("town", "purpose").split("|")[3])) == \
        len(town.facts["purpose"].choices)


def test_the_docs_command_checks(capsys):
    assert docs.main(["--seeds", str(SEEDS), "--check"]) == 0
