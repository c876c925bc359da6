"""Exceptions whose message is meant for the user (GUI notification or one CLI line),
and the one rule that turns a pydantic validation error into such a line."""

from __future__ import annotations

from typing import Any

#: How a pydantic error type's bound reads in a message (``ctx`` fills the braces).
_BOUNDS = {
    "greater_than_equal": "at least {ge}",
    "greater_than": "greater than {gt}",
    "less_than_equal": "at most {le}",
    "less_than": "less than {lt}",
    "literal_error": "one of {expected}",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
}


class UserInputError(ValueError):
    """Bad input from the user: a wrong path, shape, value or file.

    The message is complete and readable on its own; front ends show it without a
    traceback.
    """


class CheckpointError(UserInputError):
    """A model checkpoint directory is missing, corrupt or does not match its config."""


def os_error_reason(exc: OSError) -> str:
    """A file-system error in a few words: ``"disk full: free some space or write to
    another disk"`` for ENOSPC and short writes (NumPy's "65536 requested and 9104
    written"), else the system's text (``"Permission denied"``)."""
    import errno
    import re

    text = " ".join(str(exc).split())
    if exc.errno == errno.ENOSPC or re.search(r"\d+ requested and \d+ written", text):
        return "disk full: free some space or write to another disk"
    return exc.strerror or text or type(exc).__name__


def describe_validation_error(error: Any, limit: int = 3) -> str:
    """A pydantic ``ValidationError`` as one readable line: each problem names its field
    (``model.levels``, ``depths_um.1``) and, for a bound, the bound (``batch must be at
    least 1, got 0``); the first ``limit`` distinct problems, then how many more."""
    parts = list(dict.fromkeys(_problem(item) for item in error.errors()))
    more = len(parts) - limit
    return "; ".join(parts[:limit]) + (f" and {more} more problem(s)" if more > 0 else "")


def _problem(item: dict[str, Any]) -> str:
    """One entry of ``ValidationError.errors()`` in words."""
    where = ".".join(str(p) for p in item["loc"]) or "value"
    got = repr(item.get("input"))
    got = got if len(got) <= 40 else got[:37] + "..."
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), UserInputError):
        return str(ctx["error"])
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"unknown key {where}"
    if kind == "missing":
        return f"{where} is missing"
    if kind in ("model_type", "dict_type"):
        return f"{where} must be a JSON object (got {got})"
    if kind in _BOUNDS:
        return f"{where} must be {_BOUNDS[kind].format(**ctx)}, got {got}"
    return f"{where}: {item['msg'][:1].lower()}{item['msg'][1:]} (got {got})"
