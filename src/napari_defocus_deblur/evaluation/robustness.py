"""Evaluation v2: every method on the written robustness set (paper part and robustness part).

Methods: ``input``; Richardson-Lucy with the **nominal** PSF (what a user knows: the
calibrated BBBC006 optics at the stated distance) and with the **oracle** PSF (the
cell's own optics); the learned models told the true distance; and ``default`` =
``deblur(image, depth_um="auto")`` with the bundled default model (the one-click path).
Any checkpoint can join as ``"told:<model>"`` (told the true distance) or
``"auto:<model>"`` (the one-click path with that model), where ``<model>`` is a name or
a checkpoint folder (e.g. a training run being judged before it ships). Each row is
scored with :mod:`~napari_defocus_deblur.evaluation.metrics` (PSNR/SSIM on
ground-truth min/max) and an invented-texture ratio on sparse smooth fields.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.evaluation.lattice import lattice_blocks, ratios_of_blocks
from napari_defocus_deblur.evaluation.metrics import psnr, ssim
from napari_defocus_deblur.evaluation.texture import texture_ratio

#: Richardson-Lucy iterations per distance (chosen on nominal paper fields, see docs).
RL_ITERATIONS = 20
#: Learned methods -> bundled model names.
LEARNED_MODELS = {
    "nah": "bbbc006-nah",
    "unet": "bbbc006-unet",
    "sum": "bbbc006-sum",
    "concat": "bbbc006-concat",
}
METHODS = ("input", "rl-nominal", "rl-oracle", *LEARNED_MODELS, "default")


@dataclass(frozen=True)
class PairScored:
    """Progress event: ``done`` of ``total`` (pair, method) scores computed."""

    done: int
    total: int
    method: str
    name: str


@dataclass(frozen=True)
class Score:
    """One method on one image pair."""

    method: str
    name: str
    part: str
    setting: str
    content: str
    depth_um: float
    psnr: float
    ssim: float
    seconds: float
    texture_ratio: float | None
    lattice_ratio: float | None = None
    #: :func:`~.lattice.lattice_blocks` of the output, so the set's ratio can be taken
    lattice_blocks: list | None = None


def _psf(entry: dict, oracle: bool) -> np.ndarray:
    from napari_defocus_deblur.simulate.prior import PRESETS, Prior
    from napari_defocus_deblur.simulate.pupil import gibson_lanni_psf

    prior = Prior(**entry["prior"]) if oracle else PRESETS["nominal"]
    optics = prior.draw(np.random.default_rng(0)).optics
    stage = entry["stage_um"] if oracle else -entry["depth_um"]
    return gibson_lanni_psf(stage, 460.0, optics)


def method_function(
    method: str, entry: dict, passes: dict[str, Any] | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """The image -> image function of ``method`` for one pair of the set; networks run
    with ``deblur``'s defaults, or with the ``views``/``phases`` in ``passes``."""
    from napari_defocus_deblur.evaluation.richardson_lucy import richardson_lucy
    from napari_defocus_deblur.inference.api import deblur

    depth = float(entry["depth_um"])
    averaged = dict(passes or {})
    if method == "input":
        return lambda img: img.astype(np.float32)
    if method in ("rl-nominal", "rl-oracle"):
        psf = _psf(entry, oracle=method == "rl-oracle")
        return lambda img: richardson_lucy(img, psf, RL_ITERATIONS)
    if method == "default":
        return lambda img: deblur(img, depth_um="auto", device="cpu", **averaged)
    mode, _, model = method.partition(":")
    if model and mode in ("told", "auto"):
        told = depth if mode == "told" else "auto"
        return lambda img: deblur(img, depth_um=told, model=model, device="cpu", **averaged)
    name = LEARNED_MODELS[method]
    return lambda img: deblur(img, depth_um=depth, model=name, device="cpu", **averaged)


def iter_score_set(
    folder: str | Path,
    methods: Sequence[str] = METHODS,
    parts: Sequence[str] = ("paper", "robustness"),
    passes: dict[str, Any] | None = None,
) -> Generator[PairScored, None, list[Score]]:
    """Score ``methods`` on every pair of a robustness set; yields :class:`PairScored`.
    ``passes``: the networks' ``views``/``phases`` (None: ``deblur``'s defaults)."""
    from napari_defocus_deblur.io.tiff import read_image
    from napari_defocus_deblur.simulate.robustness import read_manifest

    folder = Path(folder)
    entries = [e for e in read_manifest(folder) if e["part"] in parts]
    scores: list[Score] = []
    total = len(entries) * len(methods)
    for entry in entries:
        blurred = read_image(folder / f"{entry['name']}_blurred.tif")[0]
        sharp = read_image(folder / f"{entry['name']}_sharp.tif")[0]
        for method in methods:
            fn = method_function(method, entry, passes)
            t0 = time.perf_counter()
            pred = np.asarray(fn(blurred), dtype=np.float64)
            seconds = time.perf_counter() - t0
            texture = texture_ratio(pred, sharp) if entry["content"] == "sparse-smooth" else None
            blocks = None if method == "input" else lattice_blocks(pred)
            lattice = None if blocks is None else max(ratios_of_blocks(blocks).values())
            scores.append(
                Score(
                    method,
                    entry["name"],
                    entry["part"],
                    entry["setting"],
                    entry["content"],
                    float(entry["depth_um"]),
                    psnr(pred, sharp),
                    ssim(pred, sharp),
                    seconds,
                    texture,
                    lattice,
                    None if blocks is None else blocks.tolist(),
                )
            )
            yield PairScored(len(scores), total, method, entry["name"])
    return scores


def summarise(scores: Sequence[Score], keys: Sequence[str]) -> list[dict[str, Any]]:
    """Mean PSNR/SSIM/seconds (and texture ratio) per method and ``keys`` group, with the
    PSNR gain over ``input`` in the same group."""
    groups: dict[tuple, list[Score]] = {}
    for s in scores:
        groups.setdefault((s.method, *(getattr(s, k) for k in keys)), []).append(s)
    rows = []
    for (method, *values), group in groups.items():
        textures = [s.texture_ratio for s in group if s.texture_ratio is not None]
        lattices = [s.lattice_ratio for s in group if s.lattice_ratio is not None]
        rows.append(
            {
                "method": method,
                **dict(zip(keys, values)),
                "n": len(group),
                "psnr": float(np.mean([s.psnr for s in group])),
                "ssim": float(np.mean([s.ssim for s in group])),
                "seconds": float(np.mean([s.seconds for s in group])),
                "texture_ratio": float(np.median(textures)) if textures else None,
                "lattice_ratio_max": float(np.max(lattices)) if lattices else None,
            }
        )
    base = {tuple(r[k] for k in keys): r["psnr"] for r in rows if r["method"] == "input"}
    for r in rows:
        r["gain_db"] = r["psnr"] - base.get(tuple(r[k] for k in keys), float("nan"))
    return rows


def scores_to_json(scores: Sequence[Score]) -> list[dict[str, Any]]:
    """Plain dicts (for the JSON record)."""
    return [asdict(s) for s in scores]
