"""The protocol held as data: the rulebook engine (`rulebook`) and the councils' profiles
(`protocols/*.toml`). Stands on nothing else in `clerkdesk.models`.
"""
