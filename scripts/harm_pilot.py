"""Pilots of a zoo v3 recipe: train one network (the U-Net unless ``--method``) alone for
a few hundred steps from the shipped zoo, and score it where the ship rule's told clauses
look.

``train`` copies a stage's config (``configs/cpu-v3<base>-<method>.json``: its fields,
split seed and recipe), with ``--harm-weight`` another do-no-harm penalty, with ``--lr`` the
peak learning rate and with ``--depths LO HI`` the range of training distances (other
fields, simulated on first use), and runs it with the round-robin schedule to
``--until`` steps in ``runs/pilot-<base>-h<weight>[-lr<lr>][-d<lo>-<hi>]-<method>``
(resumable; the U-Net ~4 min per 500 steps on two threads, the sum network ~4.5). With
``--signed`` the training fields imaged above focus are told a negative distance (the
side of focus as a sign; needs the stage's simulated set in the cache, i.e. the stage
was trained here before). With ``--unshare`` a head-to-tail network starts with one copy
of its shared U-Net body per scale (the same function at step 0; a diagnostic of the
sharing, over the paper's parameter budget), in ``runs/pilot-...-unshared-<method>``.
With ``--told-estimate SHARE`` that share of the stage's fields (by field id) is told the
distance the one-click path reads on it (``estimate_defocus``) instead of the truth
(needs the stage's simulated set in the cache). With ``--above-weight FACTOR`` the
training fields imaged above focus are drawn ``FACTOR`` times as often as their area
alone would have them (in ``runs/pilot-...-above<FACTOR>-<method>``); with ``--above-harm
FACTOR`` the do-no-harm penalty counts their crops ``FACTOR`` times (config
``harm_above_focus``; the crops drawn stay the same) in
``runs/pilot-...-aboveharm<FACTOR>-<method>``. With ``--bright-bodies SHARE`` that share
of the simulated fields carries many bright bodies (config ``bright_bodies_share``; 0 is
the stage's set without them) in ``runs/pilot-...-bb<SHARE>-<method>``.

``score`` prints, per run folder or bundled name: the 60 told fields of the ship rule
(ten sparse smooth 10 µm fields per optics setting; below the input, worst, mean, and per
setting mean/below) and the 54 robustness cells told the distance and on the one click.
With ``--signed`` above-focus fields are told ``-d``.

Usage::

    python scripts/harm_pilot.py train --base i --harm-weight 12 [--until 500] [--signed]
    python scripts/harm_pilot.py train --base n --method sum --lr 1e-5 --until 1000
    python scripts/harm_pilot.py train --base o --method sum --unshare --harm-weight 24 \
        --until 1000
    python scripts/harm_pilot.py train --base o --told-estimate 0.5 --until 1000
    python scripts/harm_pilot.py train --base t --above-weight 3 --until 1000
    python scripts/harm_pilot.py train --base t --above-harm 4 --until 1000
    python scripts/harm_pilot.py score runs/pilot-i-h12-unet bbbc006-unet [--signed]
"""

from __future__ import annotations

import argparse
import collections
import json
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from napari_defocus_deblur.zoo.names import METHODS

ROOT = Path(__file__).resolve().parents[1]
REAL_IN_FOCUS = ROOT.parent / "shared/data/bbbc006-real/in-focus"


def retell(option: str, told: Callable) -> None:
    """Make cached simulated sets tell every field ``told(field, distance range)``
    instead of its true distance (fields without a distance keep none)."""
    from napari_defocus_deblur.training import prior_cache, prior_data

    truthful = prior_cache.load_cached

    def retold(key: str):
        got = truthful(key)
        if got is None:
            raise SystemExit(f"{option} needs the stage's simulated set in the cache")
        fields, n_train, depths, prior = got
        out = [replace(f, depth_um=told(f, depths)) if f.depth_um else f for f in fields]
        return out, n_train, depths, prior

    prior_data.load_cached = retold


def imaged_above_focus(field) -> bool:
    """Whether a simulated training field was imaged above focus (its preset's draw for
    the seed in its id; fields without such an id, e.g. real pairs, keep their own)."""
    from napari_defocus_deblur.training.prior_data import with_side

    return with_side(field).above_focus


def tell_the_side() -> None:
    """Make cached simulated sets tell above-focus fields a negative distance."""

    def signed(field, depths) -> float:
        return -field.depth_um if imaged_above_focus(field) else field.depth_um

    retell("--signed", signed)


def oversample_above_focus(factor: float) -> None:
    """Make training data draw fields imaged above focus ``factor`` times as often as
    their area alone would (their crops then weigh that much more in both losses)."""
    from napari_defocus_deblur.training.data import TrainingData

    plain_init = TrainingData.__init__

    def init(self, *args, **kwargs) -> None:
        plain_init(self, *args, **kwargs)
        boost = np.array([factor if f.above_focus else 1.0 for f in self.train])
        weights = self._weights * boost
        self._weights = weights / weights.sum()
        print(f"above focus: {int((boost > 1).sum())} of {len(self.train)} fields, x{factor:g}")

    TrainingData.__init__ = init


def tell_the_estimate(share: float) -> None:
    """Make cached simulated sets tell a ``share`` of their fields (chosen by field id) the
    distance the one-click path would read on them (``estimate_defocus``'s
    ``deblur_depth_um`` on the field in camera units) instead of the truth."""
    import zlib

    from napari_defocus_deblur.estimate import estimate_defocus

    def estimated(field, depths) -> float:
        if zlib.crc32(field.field_id.encode()) % 1000 >= 1000 * share:
            return field.depth_um
        raw = field.oof * (field.hi - field.lo) + field.lo
        return float(np.clip(estimate_defocus(raw).deblur_depth_um, 0.0, depths[1]))

    retell("--told-estimate", estimated)


def unshared_init(method: str, runs: Path) -> Path:
    """The shipped ``method`` network with its one U-Net body copied into one body per
    scale (``share_weights`` false): the same function at step 0, four times the body's
    parameters (a diagnostic, over the paper's budget), saved once under ``runs``."""
    from dataclasses import replace as replace_config

    from napari_defocus_deblur.inference.catalogue import resolve_model_path
    from napari_defocus_deblur.model.checkpoint import load_checkpoint, save_checkpoint
    from napari_defocus_deblur.model.network import HeadToTailNet

    out = runs / "pilot-inits" / f"{method}-unshared"
    if (out / "model.safetensors").is_file():
        return out
    shared, info = load_checkpoint(resolve_model_path(f"bbbc006-{method}"))
    if not isinstance(shared, HeadToTailNet) or shared.config.scales < 2:
        raise SystemExit(f"--unshare needs a multi-scale head-to-tail network, not {method}")
    model = HeadToTailNet(replace_config(shared.config, share_weights=False))
    state = shared.state_dict()
    for key, value in list(state.items()):
        if key.startswith("bodies.0."):
            for s in range(1, shared.config.scales):
                state[key.replace("bodies.0.", f"bodies.{s}.", 1)] = value
    model.load_state_dict(state)
    info = {k: v for k, v in info.items() if k not in ("model", "format")}
    save_checkpoint(model.float(), out, info=info)
    return out


def train(args: argparse.Namespace) -> None:
    """Train the pilot ``args.method`` of ``args.base`` (with ``args.harm_weight``,
    ``args.lr`` and ``args.depths`` when given) to ``args.until``."""
    from napari_defocus_deblur.training.schedule import Schedule, iter_schedule

    if args.signed:
        tell_the_side()
    if args.told_estimate:
        tell_the_estimate(args.told_estimate)
    if args.above_weight != 1.0:
        oversample_above_focus(args.above_weight)
    method = args.method
    lr = f"-lr{args.lr:g}" if args.lr is not None else ""
    depths = "-d{:g}-{:g}".format(*args.depths) if args.depths else ""
    signed = "-signed" if args.signed else ""
    variant = "-unshared" if args.unshare else ""
    variant += f"-est{args.told_estimate:g}" if args.told_estimate else ""
    variant += f"-above{args.above_weight:g}" if args.above_weight != 1.0 else ""
    variant += f"-aboveharm{args.above_harm:g}" if args.above_harm != 1.0 else ""
    bodies = args.bright_bodies
    variant += f"-bb{bodies:g}" if bodies is not None else ""
    config = json.loads((ROOT / f"configs/cpu-v3{args.base}-{method}.json").read_text())
    weight = config.get("harm_weight", 0.0) if args.harm_weight is None else args.harm_weight
    tag = f"pilot-{args.base}-h{weight:g}{lr}{depths}{signed}{variant}-"
    config.update(harm_weight=weight, init=f"bbbc006-{method}")
    if args.unshare:
        config.update(init=str(unshared_init(method, args.runs)))
    if args.lr is not None:
        config.update(lr=args.lr)
    if args.depths:
        config.update(prior_depths_um=args.depths)
    if args.above_harm != 1.0:
        config.update(harm_above_focus=args.above_harm)
    if bodies is not None:
        config.update(bright_bodies_share=bodies)
    configs = args.runs / "pilot-configs"
    configs.mkdir(parents=True, exist_ok=True)
    (configs / f"{tag}{method}.json").write_text(json.dumps(config, indent=1))
    overrides = (("content_dir", str(REAL_IN_FOCUS)),) if REAL_IN_FOCUS.is_dir() else ()
    schedule = Schedule(
        (method,), configs, args.runs, config_prefix=tag, run_prefix=tag,
        until=args.until, overrides=overrides,
    )  # fmt: skip
    for turn in iter_schedule(schedule, threading.Event()):
        print(turn, flush=True)


def _gains(model: str, fields: tuple, signed: bool, auto: bool) -> list:
    """:class:`FieldGain` of ``model`` on the chosen robustness fields (``told_um`` is
    the typed distance, or NaN on the one click)."""
    from napari_defocus_deblur.evaluation.metrics import psnr
    from napari_defocus_deblur.evaluation.told_fields import FieldGain, iter_fields
    from napari_defocus_deblur.inference import deblur

    gains = []
    for cell, blurred, sharp in iter_fields(*fields):
        told = -cell.depth_um if signed and cell.above_focus else cell.depth_um
        restored = deblur(blurred, depth_um="auto" if auto else told, model=model)
        gain = psnr(restored, sharp) - psnr(blurred, sharp)
        gains.append(FieldGain(cell.name, cell.setting, np.nan if auto else told, float(gain)))
    return gains


def score(args: argparse.Namespace) -> None:
    """Print the told fields and the set cells (told and one click) of each model."""
    from napari_defocus_deblur.evaluation.told_fields import summarise_gains, summary_line

    if args.signed:  # let the package accept a negative (above-focus) distance
        from napari_defocus_deblur.inference import checks

        checks.DEPTH_UM = (-checks.DEPTH_UM[1], checks.DEPTH_UM[1])
    rows = (
        ("told fields", (10, "sparse-smooth", 10.0), False),
        ("told fields, one click", (10, "sparse-smooth", 10.0), True),
        ("set told", (1, None, None), False),
        ("set one click", (1, None, None), True),
    )
    for model in args.models:
        for label, fields, auto in rows:
            gains = _gains(model, fields, args.signed, auto)
            by_setting = collections.defaultdict(list)
            for gain in gains:
                by_setting[gain.setting].append(gain)
            parts = {k: summarise_gains(v) for k, v in by_setting.items()}
            settings = " ".join(
                f"{k} {p['mean_gain_db']:+.2f}/{p['below_input']}" for k, p in parts.items()
            )
            line = summary_line(summarise_gains(gains))
            print(f"{model} | {label}: {line} | {settings}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a pilot network (the U-Net unless --method)")
    p.add_argument("--base", default="i", help="stage whose config to copy (i)")
    p.add_argument("--method", choices=METHODS, default="unet", help="network (unet)")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate (the stage's)")
    p.add_argument(
        "--depths", type=float, nargs=2, metavar=("LO", "HI"), help="distances (the stage's)"
    )
    p.add_argument("--harm-weight", type=float, default=None, help="penalty weight (the stage's)")
    p.add_argument("--until", type=int, default=500, help="steps (500)")
    p.add_argument("--runs", type=Path, default=ROOT / "runs")
    p.add_argument("--signed", action="store_true", help="tell above-focus fields -d")
    p.add_argument("--unshare", action="store_true", help="one U-Net body per scale")
    p.add_argument(
        "--told-estimate", type=float, default=0.0, metavar="SHARE",
        help="tell this share of the fields the estimator's reading (0)",
    )  # fmt: skip
    p.add_argument(
        "--above-weight", type=float, default=1.0, metavar="FACTOR",
        help="draw fields imaged above focus FACTOR times as often (1)",
    )  # fmt: skip
    p.add_argument(
        "--above-harm", type=float, default=1.0, metavar="FACTOR",
        help="count the penalty on fields imaged above focus FACTOR times (1)",
    )  # fmt: skip
    p.add_argument(
        "--bright-bodies", type=float, default=None, metavar="SHARE",
        help="share of simulated fields with many bright bodies (the stage's)",
    )  # fmt: skip
    p.set_defaults(run=train)
    p = sub.add_parser("score", help="score run folders or bundled names")
    p.add_argument("models", nargs="+")
    p.add_argument("--signed", action="store_true", help="tell above-focus fields -d")
    p.set_defaults(run=score)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
