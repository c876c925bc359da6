"""Does a reference image belong to the input? Checked before PSNR/SSIM are shown.

Scores against an unrelated "in-focus" image mean nothing (a z_00 image compared with
another field's in-focus image reads "deblurring hurts"). The reference is blurred with
the defocus PSF to the input's distance from focus (or to the best-matching distance of
:data:`TRIAL_DEPTHS_UM` when it is unknown), registered to the input by phase correlation
(:func:`skimage.registration.phase_cross_correlation`, whole pixels), and the zero-mean
normalised cross-correlation of the overlap decides: at least :data:`NCC_MIN` and the
pair is scored (after moving the reference by the shift found, on the overlap only);
below it, no scores. Pure numpy/scipy/skimage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_defocus_deblur.errors import UserInputError

#: Smallest correlation of a true pair (input vs. reference blurred to its depth). Real
#: BBBC006 true pairs score 0.7-0.99, unrelated fields -0.1-0.2 (tests/evaluation).
NCC_MIN = 0.4
#: Distances tried (µm) when the input's is not known; the best-matching one is kept.
TRIAL_DEPTHS_UM = (0.0, 8.0, 16.0, 24.0, 34.0)
#: Largest shift (share of each side) accepted as "the same field, moved".
MAX_SHIFT_SHARE = 0.25


@dataclass(frozen=True)
class ReferenceCheck:
    """The verdict of :func:`check_reference`.

    Attributes
    ----------
    matches
        True when the reference shows the input's field (scores may be shown).
    correlation
        Normalised cross-correlation of the input and the blurred, aligned reference.
    shift
        ``(rows, columns)`` the reference was moved by to line up with the input.
    depth_um
        Distance the reference was blurred to for the comparison.
    """

    matches: bool
    correlation: float
    shift: tuple[int, int]
    depth_um: float

    @property
    def shifted(self) -> bool:
        """True when the reference had to be moved."""
        return self.shift != (0, 0)

    def message(self, reference: str = "the reference", image: str = "the input") -> str:
        """One line for the user ("" for a plain match)."""
        if not self.matches:
            return (
                f"'{reference}' does not show the same field as '{image}' (correlation "
                f"{self.correlation:.2f}, a true pair is above {NCC_MIN}): no scores; pick "
                "the in-focus image of this field"
            )
        if self.shifted:
            dy, dx = self.shift
            return (
                f"'{reference}' was shifted by {dy:+d}, {dx:+d} px from '{image}': "
                "aligned, scores on the overlap"
            )
        return ""

    def overlap(self, image: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(image, reference)`` cut to their overlap once the reference is moved."""
        a, b = _overlap(np.asarray(image), np.asarray(reference), self.shift)
        return a, b


def _overlap(a: np.ndarray, b: np.ndarray, shift: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Parts of ``a`` and of ``b`` moved by ``shift`` that lie on each other."""
    slices_a, slices_b = [], []
    for s, n in zip(shift, a.shape):
        s = int(s)
        slices_a.append(slice(max(s, 0), n + min(s, 0)))
        slices_b.append(slice(max(-s, 0), n - max(s, 0)))
    return a[tuple(slices_a)], b[tuple(slices_b)]


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-mean normalised cross-correlation of two same-shape arrays (-1..1)."""
    a = np.asarray(a, dtype=np.float64) - np.mean(a)
    b = np.asarray(b, dtype=np.float64) - np.mean(b)
    norm = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return float(np.sum(a * b) / norm) if norm > 0 else 0.0


def _blurred(reference: np.ndarray, depth_um: float) -> np.ndarray:
    from napari_defocus_deblur.simulate.optics import blur, defocus_psf

    if depth_um <= 0:
        return reference
    kernel = defocus_psf(depth_um)
    if kernel.shape[0] > min(reference.shape):  # tiny images: a kernel that fits
        side = min(reference.shape) // 2 * 2 - 1
        kernel = defocus_psf(depth_um, size=max(side, 1))
    return blur(reference, kernel)


def _registration(image: np.ndarray, target: np.ndarray) -> tuple[int, int]:
    """Whole-pixel shift moving ``target`` onto ``image`` (0, 0 when implausibly large)."""
    from skimage.registration import phase_cross_correlation

    shift, _, _ = phase_cross_correlation(image, target, normalization=None)
    dy, dx = (round(float(v)) for v in shift)
    if abs(dy) > MAX_SHIFT_SHARE * image.shape[0] or abs(dx) > MAX_SHIFT_SHARE * image.shape[1]:
        return 0, 0
    return dy, dx


def check_shapes(image: np.ndarray, reference: np.ndarray) -> None:
    """Raise ``UserInputError`` unless both are 2-D images of the same shape."""
    a, r = np.shape(image), np.shape(reference)
    if len(a) != 2 or a != r:
        raise UserInputError(
            f"the reference is {'x'.join(map(str, r))} but the input is "
            f"{'x'.join(map(str, a))}; pick an in-focus image of the same field"
        )


def check_reference(
    image: np.ndarray, reference: np.ndarray, depth_um: float | None = None
) -> ReferenceCheck:
    """Decide whether ``reference`` (in focus) shows the field of ``image`` (defocused).

    Parameters
    ----------
    image
        The input, 2-D.
    reference
        The candidate in-focus image, same shape.
    depth_um
        The input's distance from focus, tried first; :data:`TRIAL_DEPTHS_UM` are tried
        too (the told distance may be the slider's, not the image's).

    Raises
    ------
    UserInputError
        Not 2-D or different shapes.
    """
    a = np.asarray(image, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    check_shapes(a, r)
    told = () if depth_um is None else (abs(float(depth_um)),)
    depths = (*told, *(d for d in TRIAL_DEPTHS_UM if d not in told))
    best = ReferenceCheck(False, -1.0, (0, 0), depths[0])
    for depth in depths:
        target = _blurred(r, depth)
        dy, dx = _registration(a, target)
        near = {(dy + i, dx + j) for i in (-1, 0, 1) for j in (-1, 0, 1)} if dy or dx else set()
        for shift in sorted({(0, 0)} | near):  # the peak's whole-pixel neighbours too
            value = ncc(*_overlap(a, target, shift))
            if value > best.correlation:
                best = ReferenceCheck(value >= NCC_MIN, value, shift, depth)
    return best


@dataclass(frozen=True)
class Scores:
    """PSNR/SSIM of the raw and restored images against a checked reference.

    ``metrics`` is ``{"raw": (psnr, ssim), "restored": (psnr, ssim)}``, empty when the
    reference does not show the input's field (``check.matches`` is False).
    """

    check: ReferenceCheck
    metrics: dict[str, tuple[float, float]]


def score_against(
    raw: np.ndarray, restored: np.ndarray, reference: np.ndarray, depth_um: float | None = None
) -> Scores:
    """Check ``reference`` against ``raw`` (:func:`check_reference`), then score raw and
    restored on the overlap with the aligned reference
    (:mod:`napari_defocus_deblur.evaluation.metrics` convention)."""
    from napari_defocus_deblur.evaluation.metrics import psnr, ssim

    raw = np.asarray(raw, dtype=np.float64)
    restored = np.asarray(restored, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if restored.shape != raw.shape:
        raise UserInputError(
            f"the restored image is {'x'.join(map(str, restored.shape))} but the input is "
            f"{'x'.join(map(str, raw.shape))}; run Deblur again"
        )
    check = check_reference(raw, reference, depth_um)
    if not check.matches:
        return Scores(check, {})
    metrics = {}
    for key, image in (("raw", raw), ("restored", restored)):
        a, b = check.overlap(image, reference)
        metrics[key] = (float(psnr(a, b)), float(ssim(a, b)))
    return Scores(check, metrics)
