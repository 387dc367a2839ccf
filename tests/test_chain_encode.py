"""The chain's JSON form (chain._ENCODE) is exactly `json.JSONEncoder`'s with the chain's
options, for every value a row or an audit entry can hold: every digest and hash in a
casebook was taken of that text, so a byte of difference would fail every check."""
from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clerkdesk.models.store import chain

STANDARD = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), sort_keys=True).encode

scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=6)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=6), max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(values)
def test_the_same_text_as_the_standard_encoder(value):
    assert chain._ENCODE(value) == STANDARD(value)


def test_an_audit_entry_and_a_row_as_the_chain_writes_them():
    entry = [274004, "2026-12-02 15:00:00.123456", "Helen Marsh", "update", "case", 4242,
             "ab" * 32, "cd" * 32, None, "ef" * 32]
    row = {"row": [1, "REQ-2026-0001", "Pavement café — ‘Élan’", None, 3.5, True, math.inf],
           "steps": [[1, 2, "note\n\"quoted\""], [3, 4, "\u2028"]]}
    for value in (entry, row, "just text", 12, None):
        assert chain._ENCODE(value) == STANDARD(value)


@pytest.mark.parametrize("value", [{"at": dt.date(2026, 12, 2)}, [b"bytes"], [{1, 2}]])
def test_what_json_cannot_write_fails_the_same_way(value):
    with pytest.raises(TypeError):
        STANDARD(value)
    with pytest.raises(TypeError):
        chain._ENCODE(value)
