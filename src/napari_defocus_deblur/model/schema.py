"""Schema of a checkpoint's ``config.json``, derived from :class:`ModelConfig`.

The ``model`` section accepts exactly the fields of :class:`ModelConfig` (whatever they
are: the schema is built from the dataclass), with JSON types checked strictly and the
sizes bounded by :data:`BOUNDS`, so a mistyped or hostile file gives one readable line
instead of a traceback or an attempt to allocate an absurd network. The
``normalization`` section is checked the same way against
:class:`~napari_defocus_deblur.normalization.PercentileNormalization`, and the distances
(``depth_um``, ``depths_um``) must be finite numbers.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from napari_defocus_deblur.errors import UserInputError, describe_validation_error
from napari_defocus_deblur.limits import CHANNELS, DEPTH_UM
from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.normalization import PercentileNormalization

#: Inclusive (low, high) bounds of the integer sizes of a :class:`ModelConfig`.
BOUNDS: dict[str, tuple[int, int]] = {
    "scales": (1, 6),
    "in_channels": CHANNELS,
    "out_channels": CHANNELS,
    "base_channels": (1, 256),
    "levels": (2, 6),
    "nah_channels": (1, 512),
    "nah_resblocks": (0, 64),
}
#: Largest distance from focus (micrometres) a checkpoint may record (the limits table's).
MAX_DEPTH_UM = DEPTH_UM[1]
#: The ``format`` a checkpoint's ``config.json`` may name (absent in early checkpoints).
CHECKPOINT_FORMAT = "napari-defocus-deblur/checkpoint-v1"
_STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)

Depth = Annotated[float, Field(ge=DEPTH_UM[0], le=DEPTH_UM[1])]


def _schema_of(cls: type, name: str) -> type[BaseModel]:
    """A strict pydantic model with the fields, types and defaults of dataclass ``cls``."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if f.name in BOUNDS:
            low, high = BOUNDS[f.name]
            kind = Annotated[kind, Field(ge=low, le=high)]
        fields[f.name] = (kind, f.default)
    return create_model(name, __config__=_STRICT, **fields)


@functools.cache
def model_schema() -> type[BaseModel]:
    """Schema of the ``model`` section (built once from :class:`ModelConfig`)."""
    return _schema_of(ModelConfig, "ModelSection")


@functools.cache
def info_schema() -> type[BaseModel]:
    """Schema of a whole ``config.json`` (keys it does not name are kept unchecked)."""
    norm = _schema_of(PercentileNormalization, "NormalizationSection")
    return create_model(
        "CheckpointInfo",
        __config__=ConfigDict(strict=True, extra="allow", allow_inf_nan=False),
        model=(model_schema(), ...),
        normalization=(norm | None, None),
        depth_um=(Depth | None, None),
        depths_um=(list[Depth] | None, None),
        fusion=(Literal["sum", "concat"] | None, None),
        name=(str | None, None),
        format=(Literal[CHECKPOINT_FORMAT] | None, None),
    )


def validate_model_config(data: Any, what: str = "model config") -> ModelConfig:
    """A :class:`ModelConfig` from a dict, after checking keys, types and :data:`BOUNDS`.

    Raises
    ------
    UserInputError
        Not a dict, unknown keys, wrong types, sizes out of bounds or unsupported
        choices; the message names ``what`` and every problem found.
    """
    if not isinstance(data, dict):
        raise UserInputError(f"{what} must be a JSON object, got {type(data).__name__}")
    known = [f.name for f in dataclasses.fields(ModelConfig)]
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise UserInputError(
            f"{what}: unknown option(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    try:
        checked = model_schema().model_validate(data)
    except ValidationError as exc:
        raise UserInputError(f"{what}: {describe_validation_error(exc)}") from None
    try:
        return ModelConfig(**checked.model_dump())
    except UserInputError as exc:
        raise UserInputError(f"{what}: {exc}") from None


def validate_info(info: Any, what: str = "config.json") -> dict[str, Any]:
    """Check a parsed ``config.json``; returns it unchanged when it is valid.

    Raises
    ------
    UserInputError
        The ``model`` section is missing or invalid (see :func:`validate_model_config`),
        ``normalization`` is not a valid percentile normalisation, or a distance is not
        a finite number in range.
    """
    if not isinstance(info, dict) or "model" not in info:
        raise UserInputError(f"{what} has no 'model' section")
    try:
        checked = info_schema().model_validate(info)
    except ValidationError as exc:
        raise UserInputError(f"{what}: {describe_validation_error(exc)}") from None
    validate_model_config(info["model"], f"{what}: model")
    if checked.normalization is not None:
        try:
            PercentileNormalization(**checked.normalization.model_dump())
        except UserInputError as exc:
            raise UserInputError(f"{what}: normalization: {exc}") from None
    return info
