"""The protocol held as data: the rulebook engine (`rulebook`), the councils' profiles
(`protocols/*.toml`) and the documentation generated from them (`docs`: the facts and
coverage tables; `coverage.toml`, the seed clauses left out and why). Stands on nothing
else in `clerkdesk.models`.
"""
