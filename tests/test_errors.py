"""Tests of errors.describe_validation_error: one readable line per pydantic error."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from napari_defocus_deblur.errors import UserInputError, describe_validation_error


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    batch: Annotated[int, Field(ge=1)] = 1
    lr: Annotated[float, Field(gt=0)] = 1.0
    depths: tuple[Annotated[float, Field(le=44)], ...] = ()
    kind: Literal["sum", "concat"] = "sum"
    name: str = "x"

    @field_validator("name")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        if " " in value:
            raise UserInputError("name must not contain spaces")
        return value


def _line(**values) -> str:
    with pytest.raises(ValidationError) as caught:
        _Form(**values)
    return describe_validation_error(caught.value)


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"batch": 0}, "batch must be at least 1, got 0"),
        ({"lr": 0.0}, "lr must be greater than 0.0, got 0.0"),
        ({"depths": (10.0, 99.0)}, "depths.1 must be at most 44.0, got 99.0"),
        ({"kind": "mul"}, "kind must be one of 'sum' or 'concat', got 'mul'"),
        ({"batch": True}, "batch must be an integer, got True"),
        ({"banana": 1}, "unknown key banana"),
        ({"name": "a b"}, "name must not contain spaces"),
        ({"name": 3}, "name: input should be a valid string (got 3)"),
    ],
)
def test_each_problem_reads_as_one_line(values, line):
    assert _line(**values) == line


def test_many_problems_are_counted_and_long_values_cut():
    text = _line(batch=0, lr=-1.0, kind="x" * 80, banana=1, apple=2)
    shown, more = text.rsplit(" and ", 1)
    parts = shown.split("; ")
    assert len(parts) == 3 and more == "2 more problem(s)"
    assert parts[2].startswith("kind must be one of") and parts[2].endswith("...")
    assert "\n" not in text and len(text) < 250
