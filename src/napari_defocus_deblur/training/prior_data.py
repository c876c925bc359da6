"""Training data drawn from a simulator prior (domain randomisation), made in memory.

Every training field gets its own optics, camera and content from the prior
(:mod:`napari_defocus_deblur.simulate.prior`) and a defocus distance drawn uniformly
from ``depths_um`` (a share ``in_focus_share`` is exactly in focus, so the network also
learns to leave sharp images alone); the sign of the stage offset follows the prior's
above/below-focus share. The label a depth-conditioned network sees is the distance
``|offset|`` a user would type. Validation fields come from the same prior with other
seeds plus the ``nominal`` preset at the paper's distances, so the validation PSNR
tracks both robustness and the calibrated BBBC006 optics.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from napari_defocus_deblur.constants import PAPER_DEPTHS_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.simulate.prior import (
    BRIGHT_BODIES_SUFFIX,
    NOMINAL_OPTICS_SUFFIX,
    SPARSE_SMOOTH_SUFFIX,
)
from napari_defocus_deblur.training.data import TrainingData
from napari_defocus_deblur.training.fields import Field, make_field
from napari_defocus_deblur.training.prior_cache import cache_key, load_cached, save_cached

#: Seeds of validation fields start here (training seeds are 0..n-1).
_VAL_SEED_BASE = 1_000_000

#: The id :func:`_field` gives a simulated field: ``<preset>-<seed>@<distance>um``.
_SIMULATED_ID = re.compile(r"^(?P<prior>.+)-(?P<seed>\d+)@")


@dataclass(frozen=True)
class FieldsSimulated:
    """Progress event: ``done`` of ``total`` prior fields simulated."""

    done: int
    total: int


def _real_signals(content_dir: str | os.PathLike | None) -> list[np.ndarray]:
    if content_dir is None:
        return []
    from napari_defocus_deblur.io.tiff import read_image
    from napari_defocus_deblur.simulate.content import content_files

    if not Path(content_dir).is_dir():
        raise UserInputError(f"content folder not found: {content_dir}")
    return [np.asarray(read_image(p)[0], dtype=np.float64) for p in content_files(content_dir, 1)]


def _field(
    seed: int,
    prior: str,
    depth: float,
    shape: tuple[int, int],
    real: list[np.ndarray],
    norm: PercentileNormalization,
) -> Field:
    from napari_defocus_deblur.simulate.content import fit_to_shape
    from napari_defocus_deblur.simulate.field import simulate_prior_field

    rng = np.random.default_rng([seed, 21])
    content = in_focus = None
    if real:
        crop = fit_to_shape(real[int(rng.integers(len(real)))], shape, rng)
        content = np.clip(crop - np.percentile(crop, 1), 0, None)
        in_focus = np.clip(crop, 0, 4095).astype(np.uint16)
    above = drawn_above_focus(prior, seed)
    offset = depth if above else -depth
    images, _ = simulate_prior_field(
        [offset], prior=prior, seed=seed, shape=shape, content=content, in_focus=in_focus
    )
    name = f"{prior}-{seed:07d}@{depth:.1f}um"
    return make_field(name, images[offset], images[0.0], norm, depth, above_focus=above)


def drawn_above_focus(prior: str, seed: int) -> bool:
    """Whether the simulated field of ``seed`` under preset ``prior`` is imaged above
    focus (the preset's ``above_focus`` share, drawn from the seed)."""
    from napari_defocus_deblur.simulate.field import prior_draw

    return bool(prior_draw(prior, seed).above_focus)


def with_side(field: Field) -> Field:
    """``field`` with ``above_focus`` drawn again from the preset and seed in its id (a
    kept set stores no side; fields without such an id keep theirs)."""
    match = _SIMULATED_ID.match(field.field_id)
    if match is None:
        return field
    return replace(field, above_focus=drawn_above_focus(match["prior"], int(match["seed"])))


def _training_plan(
    n_fields: int,
    prior: str,
    depths: tuple[float, float],
    shares: tuple[float, float, float, float],
    real: list[np.ndarray],
    seed: int,
) -> list[tuple[int, str, float, list]]:
    """``(seed, preset, distance, real content)`` of each training field. ``shares``:
    in focus, with real content (when there is any), with the nominal optics, with sparse
    smooth simulated content (the last two draw nothing when 0, so a set made without
    them keeps its fields)."""
    in_focus, with_real, nominal, sparse = shares
    rng = np.random.default_rng([seed, 31])
    plan = []
    for i in range(n_fields):
        depth = 0.0 if rng.random() < in_focus else float(rng.uniform(*depths))
        use_real = real and rng.random() < with_real
        preset = prior
        if nominal and rng.random() < nominal:
            preset = f"{prior}{NOMINAL_OPTICS_SUFFIX}"
        if sparse and not use_real and rng.random() < sparse:
            preset += SPARSE_SMOOTH_SUFFIX
        plan.append((seed * 100_000 + i, preset, round(depth, 1), real if use_real else []))
    return plan


def _with_bright_bodies(plan: list, share: float, seed: int) -> list:
    """``plan`` with a ``share`` of its simulated fields (not those given sparse smooth
    content) given many bright bodies; the choice has its own generator, so no other field
    changes (0 changes nothing)."""
    if not share:
        return plan
    picked = np.random.default_rng([seed, 41]).random(len(plan)) < share
    out = []
    for pick, (s, preset, depth, content) in zip(picked, plan):
        if pick and not content and not preset.endswith(SPARSE_SMOOTH_SUFFIX):
            preset += BRIGHT_BODIES_SUFFIX
        out.append((s, preset, depth, content))
    return out


def stratified_depths(n: int, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` distances in ``[lo, hi]``, one in each of ``n`` equal strata, in random order.

    Examples
    --------
    >>> d = stratified_depths(4, 0.0, 40.0, np.random.default_rng(0))
    >>> sorted((d // 10).astype(int).tolist())
    [0, 1, 2, 3]
    """
    strata = rng.permutation(n)
    return lo + (hi - lo) * (strata + rng.random(n)) / n


def _stratify(plan: list, lo: float, hi: float, rng: np.random.Generator) -> list:
    """``plan`` with the distances of its defocused fields replaced by stratified ones."""
    defocused = [k for k, entry in enumerate(plan) if entry[2] > 0]
    depths = stratified_depths(len(defocused), lo, hi, rng)
    plan = list(plan)
    for k, depth in zip(defocused, depths):
        s, prior, _, content = plan[k]
        plan[k] = (s, prior, round(float(depth), 1), content)
    return plan


def iter_prior_training_data(
    n_fields: int,
    *,
    prior: str = "wide",
    depths_um: tuple[float, float] = (2.0, 44.0),
    in_focus_share: float = 0.06,
    n_val: int = 12,
    seed: int = 0,
    shape: tuple[int, int] = (256, 256),
    content_dir: str | os.PathLike | None = None,
    content_fraction: float = 0.25,
    normalization: PercentileNormalization | None = None,
    depth_sampling: str = "uniform",
    nominal_optics_share: float = 0.0,
    sparse_smooth_share: float = 0.0,
    bright_bodies_share: float = 0.0,
) -> Generator[FieldsSimulated, None, TrainingData]:
    """Simulate a training set from a prior; yields progress, returns the data.

    Parameters
    ----------
    n_fields
        Training fields (one distance each).
    prior
        Preset of :mod:`napari_defocus_deblur.simulate.prior` for training and
        validation fields; the validation also holds one ``nominal`` field per paper
        distance.
    depths_um
        Range of defocus distances (µm of stage offset), drawn uniformly.
    in_focus_share
        Share of training fields at distance 0.
    n_val, seed, shape
        Validation fields from the prior, the seed of everything, field shape.
    content_dir, content_fraction
        Optional real in-focus images used as content for that share of the fields.
    normalization
        Percentile normalisation (default: 1st/99.8th of the out-of-focus image).
    depth_sampling
        ``"uniform"``: each distance drawn independently; ``"stratified"``: the same
        fields in focus and with real content, their distances one per stratum of the
        range (:func:`stratified_depths`).
    nominal_optics_share
        Share of training fields simulated with the nominal (calibrated BBBC006) optics
        and the prior's camera and content (preset ``<prior>+nominal-optics``); 0 draws
        nothing extra, so the fields are those of a set made without it.
    sparse_smooth_share
        Share of the simulated (not real-content) training fields given sparse smooth
        content (preset ``<preset>+sparse-smooth``); 0 draws nothing extra.
    bright_bodies_share
        Share of the simulated (not real-content) training fields given many very bright
        compact bodies (preset ``<preset>+bright-bodies``), chosen by a generator of its
        own: the other fields, their distances and presets are those of a set made
        without it.
    """
    if n_fields < 1 or n_val < 1:
        raise UserInputError("prior training needs at least one training and validation field")
    lo, hi = (float(d) for d in depths_um)
    if not 0 <= lo <= hi:
        raise UserInputError(f"depths_um must be a range 0 <= lo <= hi, got {depths_um}")
    _check_options(
        depth_sampling,
        nominal_optics=nominal_optics_share,
        sparse_smooth=sparse_smooth_share,
        bright_bodies=bright_bodies_share,
    )
    norm = normalization or PercentileNormalization()
    parts = [n_fields, prior, (lo, hi), in_focus_share, n_val, seed, shape, content_dir]
    # uniform sets keep the key they had before stratified sampling existed
    parts += [norm.to_dict()] + ([] if depth_sampling == "uniform" else [depth_sampling])
    parts += [nominal_optics_share] if nominal_optics_share else []
    parts += [("sparse_smooth", sparse_smooth_share)] if sparse_smooth_share else []
    parts += [("bright_bodies", bright_bodies_share)] if bright_bodies_share else []
    key = cache_key(*parts)
    cached = load_cached(key)
    if cached is not None:
        yield FieldsSimulated(1, 1)
        fields, n, depths, source = cached
        fields = [with_side(f) for f in fields]
        return _assemble(fields[:n], fields[n:], norm, source, depths)
    real = _real_signals(content_dir)
    shares = (in_focus_share, content_fraction, nominal_optics_share, sparse_smooth_share)
    plan = _training_plan(n_fields, prior, (lo, hi), shares, real, seed)
    plan = _with_bright_bodies(plan, bright_bodies_share, seed)
    if depth_sampling == "stratified":
        plan = _stratify(plan, lo, hi, np.random.default_rng([seed, 37]))
    val_depths = np.linspace(lo, hi, n_val)
    for k, depth in enumerate(val_depths):
        plan.append((_VAL_SEED_BASE + seed * 1000 + k, prior, round(float(depth), 1), []))
    for k, depth in enumerate(PAPER_DEPTHS_UM):
        plan.append((_VAL_SEED_BASE + 500 + seed * 1000 + k, "nominal", float(depth), []))
    fields = []
    for done, (s, p, depth, content) in enumerate(plan, start=1):
        fields.append(_field(s, p, depth, shape, content, norm))
        yield FieldsSimulated(done, len(plan))
    data = _assemble(fields[:n_fields], fields[n_fields:], norm, prior, (lo, hi))
    save_cached(key, data, (lo, hi))
    return data


def _check_options(depth_sampling: str, **shares: float) -> None:
    """One readable error for an unknown sampling or a ``<name>_share`` outside 0-1."""
    for name, share in shares.items():
        if not 0.0 <= share <= 1.0:
            raise UserInputError(f"{name}_share must be 0-1, got {share}")
    if depth_sampling not in ("uniform", "stratified"):
        raise UserInputError(
            f"depth_sampling must be uniform or stratified, got {depth_sampling!r}"
        )


def _assemble(train, val, norm, prior: str, depths: tuple[float, float]) -> TrainingData:
    """The data set; ``depths_um`` lists the paper distances it validates at (what the
    model catalogue offers per-distance names for), channel 1 (nuclei)."""
    data = TrainingData(train, val, normalization=norm, channel=1, source=f"prior:{prior}")
    data.depths_um = tuple(float(d) for d in PAPER_DEPTHS_UM if depths[0] <= d <= depths[1])
    return data


def prior_training_data(n_fields: int, **options) -> TrainingData:
    """:func:`iter_prior_training_data` run to the end (no progress events)."""
    from napari_defocus_deblur.progress import drive

    return drive(iter_prior_training_data(n_fields, **options))


__all__: Sequence[str] = ("FieldsSimulated", "iter_prior_training_data", "prior_training_data")
