"""Form fields as data, and their validation, shared by the screens and by imports.

A `FieldSpec` says what a field is; `validate` turns the raw strings a form (or a CSV
row) gives into clean values, or a dict of one sentence per bad field.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from clerkdesk.models.core import dates
from clerkdesk.models.core.roles import parse_roles

TEXT_KINDS = ("text", "longtext")


class ValidationError(Exception):
    """Raised with {field name: message}; the form shows each next to its field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ConflictError(ValidationError):
    """Someone else saved the record since this form was opened: nothing was overwritten.

    `message` says who changed what and when (from the audit log); `current_version` is
    the record's version now, so a form can reload it."""

    def __init__(self, message: str, *, who: str = "", at=None, fields=(),
                 current_version: int | None = None):
        super().__init__({"_conflict": message})
        self.message = message
        self.who = who
        self.at = at
        self.fields = list(fields)
        self.current_version = current_version


@dataclass
class FieldSpec:
    name: str
    label: str
    kind: str = "text"  # text | longtext | date | choice | bool | roles | ref | refs | int
    required: bool = False
    choices: Callable[[], list[tuple[str, str]]] | dict[str, str] | None = None
    max_len: int = 200
    placeholder: str = ""
    help: str = ""
    default: Callable[[], str] | str = ""
    minimum: int | None = None
    maximum: int | None = None
    #: said under a pick-list (ref, refs) while it has nothing to pick: where to add some
    empty_help: str = ""

    def options(self) -> list[tuple[str, str]]:
        """(value, label) pairs for choice/ref/roles fields."""
        if self.choices is None:
            return []
        if isinstance(self.choices, dict):
            return list(self.choices.items())
        return list(self.choices())

    def initial(self) -> str:
        return self.default() if callable(self.default) else self.default


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_text(value: str, *, multiline: bool = False) -> str:
    value = unicodedata.normalize("NFC", value or "")
    value = _CONTROL.sub("", value)
    if not multiline:
        value = value.replace("\r", " ").replace("\n", " ")
    return value.strip()


def validate(specs: list[FieldSpec], raw: dict[str, str], *, today: dt.date | None = None,
             nation: str = "england") -> dict:
    """Clean every field in *specs* from *raw*; raise ValidationError listing all problems."""
    clean: dict = {}
    errors: dict[str, str] = {}
    for spec in specs:
        value = raw.get(spec.name, "")
        try:
            clean[spec.name] = _one(spec, value, today=today, nation=nation)
        except ValueError as exc:
            errors[spec.name] = str(exc)
    if errors:
        raise ValidationError(errors)
    return clean


def _one(spec: FieldSpec, value, *, today, nation):
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value or "").strip().lower()
        if text in ("", "0", "no", "n", "false", "off"):
            return False
        if text in ("1", "yes", "y", "true", "on", "x"):
            return True
        raise ValueError("Answer yes or no.")
    if spec.kind == "refs":
        values = value if isinstance(value, (list, tuple, set)) else [
            v for v in str(value or "").split(",") if v.strip()]
        allowed = {str(k) for k, _ in spec.options()}
        out = []
        for v in values:
            if str(v).strip() not in allowed:
                raise ValueError(f"'{str(v).strip()[:40]}' is not one of the choices.")
            out.append(int(v))
        return out
    text = clean_text("" if value is None else str(value), multiline=spec.kind == "longtext")
    if not text:
        if spec.required:
            raise ValueError(f"{spec.label} is needed.")
        if spec.kind in ("date", "ref", "int"):
            return None
        return ""
    if spec.kind in TEXT_KINDS:
        limit = spec.max_len if spec.kind == "text" else max(spec.max_len, 20000)
        if len(text) > limit:
            raise ValueError(f"Too long: at most {limit} characters (this is {len(text)}).")
        if spec.name == "email" and not _EMAIL.match(text):
            raise ValueError("That is not an email address (name@example.org).")
        return text
    if spec.kind == "date":
        try:
            return dates.parse(text, today=today, nation=nation)
        except dates.DateInputError as exc:
            raise ValueError(str(exc)) from None
    if spec.kind == "int":
        try:
            number = int(text)
        except ValueError:
            raise ValueError("Type a whole number.") from None
        if spec.minimum is not None and number < spec.minimum:
            raise ValueError(f"At least {spec.minimum}.")
        if spec.maximum is not None and number > spec.maximum:
            raise ValueError(f"At most {spec.maximum}.")
        return number
    if spec.kind in ("choice", "ref"):
        options = spec.options()
        for key, label in options:
            if text == str(key) or text.lower() == str(label).lower():
                return int(key) if spec.kind == "ref" else key
        raise ValueError(f"'{text[:40]}' is not one of the choices.")
    if spec.kind == "roles":
        table = dict(spec.options())
        return parse_roles(text, table)
    raise ValueError(f"unknown field kind {spec.kind}")  # pragma: no cover
