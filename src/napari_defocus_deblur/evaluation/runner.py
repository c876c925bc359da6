"""Evaluating methods on the test split of a data set, per defocus distance.

The split is :func:`napari_defocus_deblur.io.pairs.split_by_field` (fields in the test
split are never trained on by ``defocus-deblur train`` with the same split seed and
fractions). Each method runs on the raw out-of-focus image and is scored against the
in-focus image with :mod:`~napari_defocus_deblur.evaluation.metrics`.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.metrics import psnr, ssim
from napari_defocus_deblur.evaluation.models import (
    LEARNED,
    LoadedModel,
    parse_methods,
    pick_model,
    scan_models,
)
from napari_defocus_deblur.evaluation.report import EvalReport, EvalRow


@dataclass(frozen=True)
class EvalProgress:
    """``done`` of ``total`` (method, distance) cells finished."""

    done: int
    total: int
    method: str
    depth_um: float


@dataclass(frozen=True)
class PairsFound:
    """The planes paired at ``depth_um`` (``text``: one line), before its methods run."""

    depth_um: float
    text: str


@dataclass(frozen=True)
class EvalOptions:
    """Settings of an evaluation (see :func:`iter_evaluate`)."""

    channel: int = 1
    max_images: int | None = None
    device: str = "cpu"
    split_seed: int = 0
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    rl_iterations: int | None = None
    rl_val_images: int = 4
    cache_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: BBBC006 layouts: the reference plane (None: the data's focus) and side (None: below).
    reference_plane: int | None = None
    side: str | None = None


def _load(pairs: Sequence[Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    from napari_defocus_deblur.io.pairs import load_pair

    return [load_pair(p) for p in pairs]


def _score(fn: Any, images: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, float]:
    ps, ss, seconds = [], [], 0.0
    for blurred, sharp in images:
        t0 = time.perf_counter()
        pred = fn(blurred)
        seconds += time.perf_counter() - t0
        ps.append(psnr(pred, sharp))
        ss.append(ssim(pred, sharp))
    return float(np.mean(ps)), float(np.mean(ss)), seconds / len(images)


def _rl_method(root: Path, depth: float, opts: EvalOptions, split: Any) -> tuple[Any, int, str]:
    from napari_defocus_deblur.constants import CHANNELS
    from napari_defocus_deblur.evaluation.richardson_lucy import (
        DEFAULT_CANDIDATES,
        richardson_lucy,
    )
    from napari_defocus_deblur.evaluation.rl_tuning import cache_key, cached_iterations
    from napari_defocus_deblur.simulate.optics import defocus_psf

    wavelength = CHANNELS.get(opts.channel, CHANNELS[1])[1]
    psf = defocus_psf(depth, wavelength)
    if opts.rl_iterations is not None:
        n, how = opts.rl_iterations, "given"
    else:
        val = list(split.val)[: opts.rl_val_images]
        if not val:
            raise UserInputError(
                f"no validation fields at {depth:g} um to choose the Richardson-Lucy "
                "iterations on; pass --rl-iterations"
            )
        planes = (val[0].oof_plane, val[0].in_focus_plane)  # BBBC006: same depth, other planes
        source = str(root) if None in planes else f"{root}|z_{planes[0]:02d}/z_{planes[1]:02d}"
        key = cache_key(source, depth, opts.channel, psf, [p.field_id for p in val])
        n, cached = cached_iterations(key, _load(val), psf, opts.cache_dir)
        how = f"chosen on {len(val)} validation fields" + (" (cached)" if cached else "")
        if n == max(DEFAULT_CANDIDATES):
            how += "; the largest candidate, more might score higher"
    return (lambda img: richardson_lucy(img, psf, n)), n, how


def iter_evaluate(
    root: str | Path,
    depths: Sequence[float],
    methods: Sequence[str] | str,
    *,
    models_dir: str | Path | None = None,
    options: EvalOptions | None = None,
) -> Generator[EvalProgress | PairsFound, None, EvalReport]:
    """Score ``methods`` at every distance in ``depths`` on the test fields of ``root``.

    Yields a :class:`PairsFound` per distance (which planes were paired) and an
    :class:`EvalProgress` per finished (method, distance) cell.

    Parameters
    ----------
    root
        BBBC006 layout (simulated or real) or folder of z-stack TIFFs.
    depths
        Defocus distances in micrometres.
    methods
        Names from :data:`~napari_defocus_deblur.evaluation.models.METHODS`.
    models_dir
        Folder of checkpoint directories for the learned methods; None: bundled models.
    options
        :class:`EvalOptions`.

    Returns
    -------
    EvalReport
        Rows for every (method, distance), missing ones marked with the reason.
    """
    from napari_defocus_deblur.inference.device import resolve_backend

    opts = options or EvalOptions()
    methods = parse_methods(list(methods) if not isinstance(methods, str) else methods)
    if not depths:
        raise UserInputError("give at least one defocus distance (--depths)")
    root = Path(root).expanduser()
    runtime = resolve_backend("auto", "auto", opts.device)  # once for every model
    candidates = scan_models(models_dir) if any(m in LEARNED for m in methods) else []
    rows: list[EvalRow] = []
    notes: dict[str, str] = {}
    test_ids: set[str] = set()
    pairings: list[dict[str, Any]] = []
    total, done = len(methods) * len(depths), 0
    for depth in depths:
        split, test, pairing = _test_split(root, depth, opts)
        notes[f"pairs {depth:g} µm"] = pairing.text()
        pairings.append(pairing.to_dict())
        yield PairsFound(float(depth), pairing.text())
        test_ids.update(p.field_id for p in test)
        images = _load(test)
        for method in methods:
            row = {"method": method, "depth_um": float(depth), "n_images": len(images)}
            if method == "input":
                rows.append(_input_row(row, images))
            elif method == "richardson-lucy":
                result, note = _rl_row(row, images, root, depth, opts, split)
                notes[f"richardson-lucy {depth:g} um"] = note
                rows.append(result)
            else:
                cand = pick_model(candidates, method, depth, opts.channel)
                rows.append(_learned_row(row, images, cand, runtime, models_dir, opts.side))
            done += 1
            yield EvalProgress(done, total, method, float(depth))
    return EvalReport(
        rows=rows,
        methods=methods,
        depths=[float(d) for d in depths],
        data=str(root),
        channel=opts.channel,
        device=str(runtime.device),
        split={
            "seed": opts.split_seed,
            "val_fraction": opts.val_fraction,
            "test_fraction": opts.test_fraction,
            "test_fields": sorted(test_ids),
        },
        notes=notes,
        extra={"pairing": pairings, **opts.extra},
    )


def _test_split(root: Path, depth: float, opts: EvalOptions) -> tuple[Any, list[Any], Any]:
    """``(field split, test pairs, pairing)`` at ``depth`` (at most ``opts.max_images``)."""
    from napari_defocus_deblur.io.pairing import pairing_of
    from napari_defocus_deblur.io.pairs import discover_pairs, split_by_field

    planes = {"reference_plane": opts.reference_plane, "side": opts.side}
    pairs = discover_pairs(root, depth, opts.channel, **planes)
    split = split_by_field(pairs, opts.val_fraction, opts.test_fraction, seed=opts.split_seed)
    test = list(split.test)[: opts.max_images] if opts.max_images else list(split.test)
    if not test:
        raise UserInputError(
            f"no test fields at {depth:g} um in {root} ({len(pairs)} pairs; the test "
            f"split takes {opts.test_fraction:g} of the fields and needs at least 3)"
        )
    return split, test, pairing_of(pairs)


def _input_row(row: dict[str, Any], images: list[tuple[np.ndarray, np.ndarray]]) -> EvalRow:
    """The unprocessed out-of-focus images, scored as they are."""
    p, s, sec = _score(lambda img: img, images)
    return EvalRow(**row, psnr=p, ssim=s, seconds_per_image=sec)


def _rl_row(
    row: dict[str, Any],
    images: list[tuple[np.ndarray, np.ndarray]],
    root: Path,
    depth: float,
    opts: EvalOptions,
    split: Any,
) -> tuple[EvalRow, str]:
    """Richardson-Lucy scored at ``depth``, and a note on its iterations."""
    fn, n, how = _rl_method(root, depth, opts, split)
    p, s, sec = _score(fn, images)
    result = EvalRow(**row, psnr=p, ssim=s, seconds_per_image=sec, detail=f"{n} iterations")
    return result, f"{n} iterations ({how})"


def _learned_row(
    row: dict[str, Any],
    images: list[tuple[np.ndarray, np.ndarray]],
    cand: Any,
    runtime: Any,
    models_dir: str | Path | None,
    side: str | None = None,
) -> EvalRow:
    """A learned model (``cand``, None when there is none) scored, or marked missing;
    told the distance on ``side`` of focus (None: below) as ``deblur`` is."""
    if cand is None:
        where = models_dir or "the bundled models"
        missing = f"no {row['method']} model for {row['depth_um']:g} um in {where}"
        return EvalRow(**row, missing=missing)
    net = LoadedModel(cand, runtime, row["depth_um"], side or "below")
    p, s, sec = _score(net, images)
    return EvalRow(
        **row,
        psnr=p,
        ssim=s,
        seconds_per_image=sec,
        parameters=net.parameters,
        model=str(cand.path),
        detail=cand.config.label,
    )
