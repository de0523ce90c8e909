"""Checks of arguments that are counts: each error names the parameter and what it takes."""

from __future__ import annotations

from typing import Any, TypeGuard


def is_count(value: object) -> TypeGuard[int]:
    """Whether `value` is an int >= 1 (a bool is not a count)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def check_count(name: str, value: object) -> None:
    """ValueError naming `name` unless `value` is an int >= 1."""
    if not is_count(value):
        raise ValueError(f"{name}: {value!r} is not valid; expected an int >= 1")


def count_field(_: object, attribute: Any, value: object) -> None:
    """`check_count` as an attrs validator (the field's name is the parameter's)."""
    check_count(attribute.name, value)
