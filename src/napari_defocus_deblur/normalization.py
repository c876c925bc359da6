"""Robust intensity normalisation shared by training and inference.

An image is mapped to ``(x - lo) / (hi - lo)`` with ``lo``/``hi`` percentiles of the
*out-of-focus input*. Training normalises the in-focus target with the input's
``lo``/``hi`` too, so the network learns in the input's units and inference maps the
prediction back to the input's intensity scale exactly. Pure numpy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError


@dataclass(frozen=True)
class PercentileNormalization:
    """Percentile normalisation parameters (stored in every checkpoint's JSON)."""

    low: float = 1.0
    high: float = 99.8
    method: str = "percentile"

    def __post_init__(self) -> None:
        if self.method != "percentile":
            raise UserInputError(f"unknown normalisation method {self.method!r}")
        if not 0.0 <= self.low < self.high <= 100.0:
            raise UserInputError(
                f"normalisation percentiles must satisfy 0 <= low < high <= 100, "
                f"got low={self.low}, high={self.high}"
            )

    def bounds(self, image: np.ndarray) -> tuple[float, float]:
        """``(lo, hi)`` intensities of ``image``; ``hi > lo`` even for flat images."""
        lo, hi = np.percentile(image, [self.low, self.high])
        lo, hi = float(lo), float(hi)
        if not hi > lo:  # flat image: keep the level, use a unit span
            hi = lo + max(1.0, abs(lo))
        return lo, hi

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PercentileNormalization:
        return cls(**data) if data else cls()


def normalize(image: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``(image - lo) / (hi - lo)`` as float32."""
    out = np.asarray(image, dtype=np.float32) - np.float32(lo)
    out *= np.float32(1.0 / (hi - lo))
    return out


def denormalize(image: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Inverse of :func:`normalize` (float32)."""
    out = np.asarray(image, dtype=np.float32) * np.float32(hi - lo)
    out += np.float32(lo)
    return out
