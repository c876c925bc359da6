"""Evaluation v3 (issue 20): the shipped zoo against the zoo v3 runs, and the ship rule.

One command: writes the v3 robustness set (calibration v3 optics) if missing, scores the
shipped networks and every ``runs/v3-<method>`` run (told the true distance, and the
one-click ``depth_um="auto"`` path of the default network), and rewrites the tables
between the ``<!-- v3-tables -->`` markers of docs/zoo.md plus docs/data/zoo-v3-eval.json:

* paper layout (nominal optics) and robustness (6 optics x 3 contents x 3 distances);
* lattice ratio per method on the set and on the 24 restored real z_00 images;
* the estimator on the set, on the real z_00 and on the real in-focus images;
* do-no-harm on the 8 real in-focus images through ``depth_um="auto"``;
* the v3 networks at equal steps (steps, precision, wall time from their runs);
* sharpness gain and ringing of every network on the 24 real z_00 images;
* the ship rule: the v3 default ships when it beats the shipped default on the
  robustness set (mean gain over its 54 cells), leaves no cell below the input (one
  click, and its network told the distance), leaves dark rims on at most 1 % of a real
  z_00 image's pixels (median), and, told the distance on ten fields of each hard cell
  (sparse smooth 10 µm, all six optics settings), leaves no more fields below
  the input than the shipped default network; and every network told the distance
  loses no more than 0.05 dB on the set against its shipped namesake and keeps the
  real z_00 set's lattice ratio within 10 (``told_networks``).

Usage::

    python scripts/evaluate_zoo_v3.py [--set runs/robustness-set-v3] [--runs runs]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from average_copies import weights_digest
from evaluate_zoo_v2 import gain_table, paper_table

from napari_defocus_deblur.evaluation.robustness import (
    Score,
    iter_score_set,
    scores_to_json,
    summarise,
)
from napari_defocus_deblur.progress import drive
from napari_defocus_deblur.simulate.robustness import (
    iter_write_robustness_set,
    read_manifest,
)
from napari_defocus_deblur.zoo.names import DEFAULT_METHOD, METHODS

REPO = Path(__file__).resolve().parents[1]
ZOO_DOC = REPO / "docs" / "zoo.md"
MARK = re.compile(r"<!-- v3-tables -->.*<!-- /v3-tables -->", re.S)
REAL = REPO.parent / "shared" / "data" / "bbbc006-real"
SHIPPED = ("input", "rl-nominal", "rl-oracle", "nah", "unet", "sum", "concat", "default")
#: The most ringing (median % of pixels over the real z_00 images) a shipped default may
#: leave (the 4,000-step zoo left 0.15 %, stage b at 1,000 steps 0.07 %).
RINGING_LIMIT_PCT = 1.0
#: Networks run through ``deblur``'s default: 4 mirror views since session 41 (4 pixel
#: phases before, "phases-auto"; :mod:`~.inference.phases`).
INFERENCE_RULE = "views-auto"
#: The one-click path's distance rule: uncertain estimates are deblurred for the 10th
#: percentile of their tiles (``estimate.deblur_depth``, session 20).
ONE_CLICK_RULE = "q10-uncertain"
#: How far a candidate network told the distance may fall below its shipped namesake on
#: the set (mean over the 54 cells) and still ship. Measured on the records: the zoos
#: shipped in sessions 23 and 24 lost 0.022 dB (sum) and 0.028 dB (concat), a shade the
#: float16 rounding of the bundled weights alone moves by 0.005 dB; stage l's mean of
#: 1,000 and 1,500, refused by hand, lost 0.157 (sum) and 0.099 dB (concat).
TOLD_LOSS_TOLERANCE_DB = 0.05
#: The issue's lattice target: the set of 24 restored real z_00 images (mean spectrum).
LATTICE_LIMIT = 10.0


def candidate_label(net: str) -> str:
    """The table label of candidate network ``net`` told the distance (``"unet v3"``)."""
    return f"{net} v3"


def candidates(runs: Path, auto: tuple[str, ...] = (), run_prefix: str = "v3-") -> dict[str, str]:
    """Scored method name -> label, for the v3 runs that exist: each told the distance,
    and the one-click path ("auto") with the default's network and those in ``auto``."""
    out = {}
    for net in METHODS:
        run = runs / f"{run_prefix}{net}"
        if (run / "model.safetensors").is_file():
            out[f"told:{run}"] = candidate_label(net)
            if net == DEFAULT_METHOD:
                out[f"auto:{run}"] = "default v3"
            elif net in auto:
                out[f"auto:{run}"] = f"auto {net} v3"
    return out


def cache_name(method: str) -> str:
    """The score file of ``method``: a v3 run's name, step count and weights hash, or a
    shipped network's weights hash, plus the inference rule's version
    (:data:`INFERENCE_RULE`: mirror views, pixel phases before), so scores of other
    weights or of other averages are never mixed in; the one-click path's scores also
    name the defocus estimator and the rule that turns its reading into the distance the
    network is told."""
    from napari_defocus_deblur.estimate import estimator_id
    from napari_defocus_deblur.inference.catalogue import resolve_model_path

    def digest(folder: Path) -> str:  # 10 digits: the names of the scores cached so far
        return weights_digest(folder)[:10]

    if ":" in method:  # two means of one stage may end at the same step: the digest tells
        run = Path(method.split(":", 1)[1])
        state = json.loads((run / "training_state.json").read_text())
        name = f"{method.split(':')[0]}-{run.name}-{state['step']}-{digest(run)}"
    elif method in (*METHODS, "default"):
        folder = resolve_model_path(f"bbbc006-{DEFAULT_METHOD if method == 'default' else method}")
        name = f"{method}-{digest(Path(folder))}"
    else:
        return method  # input and Richardson-Lucy: no network
    one_click = method == "default" or method.startswith("auto:")
    click = f"-est{estimator_id()}-{ONE_CLICK_RULE}" if one_click else ""
    return f"{name}-{INFERENCE_RULE}{click}"


def scores_of(folder: Path, method: str, cache: Path) -> list[Score]:
    """Scores of one method on the set, kept in ``cache`` under :func:`cache_name`."""
    from dataclasses import replace

    path = cache / f"{cache_name(method)}.json"
    if path.is_file():
        return [Score(**row) for row in json.loads(path.read_text())]
    scores = drive(iter_score_set(folder, [method]))
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scores_to_json(scores)) + "\n")
    return [replace(s, method=method) for s in scores]


def real_images(folder: str) -> list[np.ndarray]:
    """The real BBBC006 images of ``REAL / folder`` (empty without ../shared)."""
    from napari_defocus_deblur.io.tiff import read_image

    return [read_image(p)[0].astype(np.float32) for p in sorted((REAL / folder).glob("*.*"))]


def estimator_rows(folder: Path) -> list[tuple[str, float, float, float, float]]:
    """Per robustness field: setting, true distance, the estimator's reading, the
    nominal-equivalent distance (``simulate.equivalence``) and the signed stage offset."""
    from napari_defocus_deblur.estimate import estimate_defocus
    from napari_defocus_deblur.io.tiff import read_image
    from napari_defocus_deblur.simulate.equivalence import nominal_equivalent_um
    from napari_defocus_deblur.simulate.robustness import setting_optics

    rows = []
    for e in read_manifest(folder):
        if e["part"] != "robustness":
            continue
        img = read_image(folder / f"{e['name']}_blurred.tif")[0]
        equivalent = nominal_equivalent_um(e["stage_um"], setting_optics(e["setting"]))
        read = estimate_defocus(img).depth_um
        rows.append((e["setting"], e["depth_um"], read, equivalent, e["stage_um"]))
    return rows


def estimator_figures(folder: Path, rows: list[tuple] | None = None) -> dict:
    """Median |error| on the set (per setting) and readings of the real images
    (``rows``: :func:`estimator_rows` of ``folder`` where the caller has read them).

    Besides the error against the true distance: the error of an exact reader of
    nominal-equivalent micrometres (``equivalent_reader_``, ``simulate.equivalence``),
    and the error against the nominal-equivalent distance (``vs_equivalent_``). The
    exact reader's error is not a lower bound: an estimator that leans towards the stage
    offsets the training optics usually mean reads some non-nominal fields closer to
    their stage offset than to their equivalent (estimator v5 does, on wide-1.8x and
    aberrated optics).
    """
    from napari_defocus_deblur.estimate import estimate_defocus

    rows = [row[:4] for row in (rows if rows is not None else estimator_rows(folder))]
    out = {}
    for key, error in (
        ("", lambda true, read, eq: abs(read - true)),
        ("equivalent_reader_", lambda true, read, eq: abs(eq - true)),
        ("vs_equivalent_", lambda true, read, eq: abs(read - eq)),
    ):
        per_setting: dict[str, list[float]] = {}
        for setting, true, read, eq in rows:
            per_setting.setdefault(setting, []).append(error(true, read, eq))
        every = [x for v in per_setting.values() for x in v]
        out[f"{key}robustness_median_abs_error_um"] = round(float(np.median(every)), 2)
        out[f"{key}per_setting"] = {
            k: round(float(np.median(v)), 2) for k, v in per_setting.items()
        }
    for name in ("defocus-z00", "in-focus"):
        reads = [estimate_defocus(img).depth_um for img in real_images(name)]
        if reads:
            q = np.percentile(reads, (10, 50, 90))
            out[f"real_{name}"] = {
                "n": len(reads),
                "median": round(float(q[1]), 2),
                "p10": round(float(q[0]), 2),
                "p90": round(float(q[2]), 2),
                "max": round(float(max(reads)), 2),
            }
    return out


def set_ratio(scores: list[Score], method: str) -> float | None:
    """Lattice ratio of the mean spectrum of ``method``'s outputs on the whole set (None
    where a score was cached before scores kept their blocks)."""
    from napari_defocus_deblur.evaluation.lattice import ratios_of_blocks

    blocks = [s.lattice_blocks for s in scores if s.method == method]
    if not blocks or any(b is None for b in blocks):
        return None
    return round(max(ratios_of_blocks(sum(np.asarray(b) for b in blocks)).values()), 2)


def real_z00(models: dict[str, str]) -> dict[str, dict]:
    """Per network, over the 24 restored real z_00 (told 33 µm): the worst and median
    per-image lattice ratio and the ratio of the set's mean spectrum (a grid the network
    paints on every image; single images also peak by chance, see ``evaluation.lattice``),
    the sharpness gain and the ringing (``evaluation.no_reference``)."""
    from napari_defocus_deblur.evaluation.lattice import lattice_ratio, set_lattice_ratio
    from napari_defocus_deblur.evaluation.no_reference import ringing_share, sharpness
    from napari_defocus_deblur.inference import deblur

    images = real_images("defocus-z00")
    before = [sharpness(img) for img in images]  # the inputs': once, not per network
    out = {}
    for label, model in models.items():
        restored = [deblur(img, model=model, depth_um=33.0) for img in images]
        ratios = [lattice_ratio(img) for img in restored]
        rings = [100 * ringing_share(a, b) for a, b in zip(images, restored)]
        gains = [sharpness(b) / s for b, s in zip(restored, before)]
        if ratios:
            out[label] = {
                "max": round(max(ratios), 1),
                "median": round(float(np.median(ratios)), 1),
                "over_10": sum(r > 10 for r in ratios),
                "set": round(set_lattice_ratio(restored), 2),
                "sharpness_x": round(float(np.median(gains)), 1),
                "ringing_median_pct": round(float(np.median(rings)), 2),
                "ringing_max_pct": round(float(max(rings)), 2),
            }
    return out


def reference_lattice(folder: Path) -> dict[str, dict]:
    """The lattice ratio of unprocessed images, the floor a restoration is judged against:
    the set's ground truth and inputs, the real in-focus and z_00 images."""
    from napari_defocus_deblur.evaluation.lattice import lattice_ratio, set_lattice_ratio
    from napari_defocus_deblur.io.tiff import read_image

    names = [e["name"] for e in read_manifest(folder)]
    out = {}
    for label, suffix in (("ground truth (in focus)", "sharp"), ("input (defocused)", "blurred")):
        images = [read_image(folder / f"{n}_{suffix}.tif")[0] for n in names]
        ratios = [lattice_ratio(img) for img in images]
        out[label] = {
            "set_max": round(max(ratios), 1),
            "set_over_10": sum(r > 10 for r in ratios),
            "set_mean": round(set_lattice_ratio(images), 2),
        }
    for label, real in (
        ("ground truth (in focus)", "in-focus"),
        ("input (defocused)", "defocus-z00"),
    ):
        images = real_images(real)
        ratios = [lattice_ratio(img) for img in images]
        out[label]["real_max"] = round(max(ratios), 1) if ratios else None
        out[label]["real_set"] = round(set_lattice_ratio(images), 2) if images else None
    return out


def do_no_harm(models: dict[str, str]) -> dict[str, dict]:
    """Per model, on the 8 real in-focus images through ``depth_um="auto"``: the lowest
    PSNR against the input and the deepest undershoot below the input's minimum, in
    units of the background noise (target: PSNR >= 40 dB, undershoot < 5)."""
    from scipy.ndimage import median_filter

    from napari_defocus_deblur.inference import deblur
    from napari_defocus_deblur.metrics import psnr

    images = real_images("in-focus")
    out = {}
    for label, model in models.items():
        worst_psnr, worst_under = np.inf, 0.0
        for img in images:
            restored = deblur(img, model=model, depth_um="auto")
            background = img < np.percentile(img, 30)
            noise = float(np.std((img - median_filter(img, 3))[background])) or 1.0
            worst_psnr = min(worst_psnr, psnr(restored, img))
            worst_under = max(worst_under, float((img.min() - restored.min()) / noise))
        if images:
            out[label] = {
                "min_psnr_db": round(float(worst_psnr), 2),
                "max_undershoot_noise": round(worst_under, 2),
            }
    return out


def equal_steps(runs: Path, run_prefix: str = "v3-") -> list[dict]:
    """Steps, precision and wall time of every v3 run."""
    rows = []
    for net in METHODS:
        state = runs / f"{run_prefix}{net}" / "training_state.json"
        info = runs / f"{run_prefix}{net}" / "config.json"
        if state.is_file() and info.is_file():
            s, training = json.loads(state.read_text()), json.loads(info.read_text())["training"]
            rows.append(
                {
                    "network": net,
                    "steps": s["step"],
                    "precision": training.get("precision"),
                    "wall_time_min": round(s.get("elapsed_s", 0) / 60, 1),
                    "best_val_psnr": s.get("best_val_psnr"),
                }
            )
    return rows


def told_fields(labels: dict[str, str], cache: Path) -> dict[str, dict]:
    """The default network, shipped and each candidate, told the distance on
    ``HARD_FIELDS`` fields of each hard cell (:mod:`~.evaluation.told_fields`): how many
    fall below the input, the worst and the mean gain, also told the side of focus
    (reported; the ship rule counts the fields told the offset alone, as a user who types
    a distance for an image of unknown side); kept in ``cache`` like the scores."""
    from napari_defocus_deblur.evaluation.told_fields import (
        HARD_FIELDS,
        FieldGain,
        summarise_gains,
        told_field_gains,
    )

    nets = {"shipped": (DEFAULT_METHOD, f"bbbc006-{DEFAULT_METHOD}")}
    for method, label in labels.items():
        if method.startswith("told:") and label == candidate_label(DEFAULT_METHOD):
            nets["v3"] = (method, method.split(":", 1)[1])
    out = {}
    for (key, (method, model)), sided in itertools.product(nets.items(), (False, True)):
        side = "-side" if sided else ""  # told the side of focus too: reported, not ruled
        path = cache / f"{cache_name(method)}-hard{HARD_FIELDS}{side}.json"
        if path.is_file():
            gains = [FieldGain(**row) for row in json.loads(path.read_text())]
        else:
            gains = told_field_gains(model, tell_side=sided)
            cache.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps([asdict(g) for g in gains]) + "\n")
        out[f"{key}, told the side" if sided else key] = summarise_gains(gains)
    return out


def told_networks(cells: list[dict], real: dict[str, dict] | None = None) -> dict[str, dict]:
    """Each network told the distance, candidate against its shipped namesake: the mean
    gain over the set's cells and, with ``real``, the lattice ratio of the 24 restored
    real z_00 images. A network ships only if it loses no more than
    ``TOLD_LOSS_TOLERANCE_DB`` and stays within ``LATTICE_LIMIT`` (session 24: stage l's
    mean of 1,000 and 1,500 passed the default's rule while the paper's sum network lost
    0.15 dB and was refused by hand)."""
    out = {}
    for net in METHODS:
        labels = {"shipped": net, "v3": candidate_label(net)}
        gains = {
            who: [c["gain_db"] for c in cells if c["method"] == label]
            for who, label in labels.items()
        }
        if not all(gains.values()):
            continue
        mean = {who: round(float(np.mean(g)), 3) for who, g in gains.items()}
        lattice = {who: (real or {}).get(label, {}).get("set") for who, label in labels.items()}
        out[net] = {
            "mean_gain_db": mean,
            "real_z00_set_lattice": lattice,
            "ship": mean["v3"] >= mean["shipped"] - TOLD_LOSS_TOLERANCE_DB
            and (lattice["v3"] is None or lattice["v3"] <= LATTICE_LIMIT),
        }
    return out


def ship_rule(
    cells: list[dict], real: dict[str, dict] | None = None, fields: dict | None = None
) -> dict:
    """Mean gain over the robustness cells and cells below the input, shipped vs v3; with
    the real z_00 figures (``real``), also the candidate default's ringing there: a zoo
    whose default leaves dark rims on more than ``RINGING_LIMIT_PCT`` % of a typical
    real image's pixels does not ship, whatever the simulated set says. The candidate's
    default network told the distance (``told:v3``, what a user who types the stage
    offset gets) must leave no cell below the input either (session 19; the judgements of
    stage e at 2,500 and stage f at 1,500 applied it by hand), and with ``fields``
    (:func:`told_fields`) no more of the hard cells' several fields below the input than
    the shipped default network (session 21: one field per cell is luck there)."""
    told = candidate_label(DEFAULT_METHOD)  # the candidate default network's label in the cells
    out = {}
    for key, label in (("default", "default"), ("auto:v3", "auto:v3"), ("told:v3", told)):
        mine = [c for c in cells if c["method"] == label]
        if mine:
            gains = [c["gain_db"] for c in mine]
            out[key] = {
                "mean_gain_db": round(float(np.mean(gains)), 3),
                "cells_below_input": int(sum(g < 0 for g in gains)),
                "worst_cell_db": round(float(min(gains)), 2),
            }
    if "default" in out and "auto:v3" in out:
        v3, v2 = out["auto:v3"], out["default"]
        out["ship_v3"] = v3["cells_below_input"] == 0 and v3["mean_gain_db"] > v2["mean_gain_db"]
        if "told:v3" in out:
            out["ship_v3"] = out["ship_v3"] and out["told:v3"]["cells_below_input"] == 0
        ringing = (real or {}).get(told, {}).get("ringing_median_pct")
        if ringing is not None:
            out["real_z00_ringing_median_pct"] = ringing
            out["ship_v3"] = out["ship_v3"] and ringing <= RINGING_LIMIT_PCT
        networks = told_networks(cells, real)
        if networks:
            out["told_networks"] = networks
            out["ship_v3"] = out["ship_v3"] and all(n["ship"] for n in networks.values())
        if fields and "v3" in fields:
            below = fields["v3"]["below_input"], fields["shipped"]["below_input"]
            out["told_hard_fields_below"] = {"v3": below[0], "shipped": below[1]}
            out["ship_v3"] = out["ship_v3"] and below[0] <= below[1]
    return out


def table_row(label: str, values: list) -> str:
    """A markdown row: counts as they are, ratios to 1 or 2 decimals, blanks for None."""
    cells = [
        "" if v is None else str(v) if isinstance(v, int) else f"{v:.{1 if v >= 10 else 2}f}"
        for v in values
    ]
    return "| " + " | ".join([label, *cells]) + " |"


def render(record: dict) -> str:
    """Markdown between the v3 markers."""
    p = ["<!-- v3-tables -->", "", "### Paper layout, nominal optics v3 (PSNR / SSIM (gain dB))"]
    p += ["", paper_table(record["paper"]), ""]
    for depth in (34.0, 22.0, 10.0):
        p += [f"### Robustness, {depth:g} µm: PSNR gain over the input per optics setting", ""]
        p += [gain_table(record["by_setting"], "setting", depth), ""]
    p += ["### Robustness, 34 µm: PSNR gain per content type", ""]
    p += [gain_table(record["by_content"], "content", 34.0), ""]
    p += ["### Lattice ratio (worst lattice frequency; <= 10: no visible grid)", ""]
    p += [
        "| method | robustness set (74 fields), max | fields > 10 | set of 74 | real z_00 "
        "(24, told 33 µm), max | real z_00, set of 24 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m, ref in record["lattice_reference"].items():
        cols = [ref["set_max"], ref["set_over_10"], ref.get("set_mean"), ref["real_max"]]
        p += [table_row(f"*{m}*", [*cols, ref.get("real_set")])]
    for m, lat in record["lattice_set"].items():
        real = record["real_z00"].get(m, {})
        cols = [
            lat,
            record["lattice_over_10"].get(m, 0),
            record.get("lattice_set_mean", {}).get(m),
        ]
        p += [table_row(m, [*cols, real.get("max"), real.get("set")])]
    p += [
        "",
        "White noise with no lattice reads above 10 on about 5 % of single fields (the "
        "Nyquist bins are chi-square with one degree of freedom; `python "
        "scripts/lattice_statistics.py`), so a few fields above 10 are expected by "
        "chance; the sets (74 fields, 24 images) average the spectra, where a grid "
        "painted on every image stays.",
    ]
    p += ["", "### Real BBBC006 z_00 (24 images, told 33 µm): sharpness and ringing", ""]
    p += [
        "| method | sharpness gain (median) | ringing, median % of pixels | ringing, max % |",
        "|---|---:|---:|---:|",
    ]
    for m, real in record["real_z00"].items():
        cols = [real.get(k) for k in ("sharpness_x", "ringing_median_pct", "ringing_max_pct")]
        p += [table_row(m, cols)]
    p += ["", "### Estimator, do-no-harm, equal steps, ship rule", "", "```json"]
    keys = ("estimator", "do_no_harm", "equal_steps", "told_hard_fields", "ship_rule")
    p += [json.dumps({k: record[k] for k in keys}, indent=1), "```", "", "<!-- /v3-tables -->"]
    return "\n".join(p)


def build_record(scores: list[Score], labels: dict[str, str], args: argparse.Namespace) -> dict:
    """The evaluation record: the tables' cells, lattice, real z_00, estimator, do-no-harm,
    equal steps and the ship rule's verdict (``labels``: method key -> table label)."""
    robust = [s for s in scores if s.part == "robustness"]
    record = {
        "paper": summarise([s for s in scores if s.part == "paper"], ["depth_um"]),
        "by_content": summarise(robust, ["depth_um", "content"]),
        "by_setting": summarise(robust, ["depth_um", "setting"]),
        "cells": summarise(robust, ["depth_um", "setting", "content"]),
    }
    record["lattice_set"] = {
        m: max(s.lattice_ratio for s in scores if s.method == m)
        for m in dict.fromkeys(s.method for s in scores)
        if m != "input"
    }
    nets = {
        lab: m.split(":", 1)[1] if ":" in m else f"bbbc006-{m}"
        for m, lab in labels.items()
        if m.split(":")[0] in ("told", *METHODS)
    }
    record["lattice_over_10"] = {
        m: sum(s.lattice_ratio > 10 for s in scores if s.method == m)
        for m in record["lattice_set"]
    }
    record["lattice_set_mean"] = {m: set_ratio(scores, m) for m in record["lattice_set"]}
    record["lattice_reference"] = reference_lattice(args.set)
    record["real_z00"] = real_z00(nets)
    record["estimator"] = estimator_figures(args.set)
    defaults = {"default": f"bbbc006-{DEFAULT_METHOD}"} | {
        lab: m.split(":", 1)[1] for m, lab in labels.items() if m.startswith("auto:")
    }
    record["do_no_harm"] = do_no_harm(defaults)
    record["equal_steps"] = equal_steps(args.runs, args.run_prefix)
    record["told_hard_fields"] = told_fields(labels, args.scores_dir)
    record["ship_rule"] = ship_rule(
        [
            {**c, "method": "auto:v3" if c["method"] == "default v3" else c["method"]}
            for c in record["cells"]
        ],
        record["real_z00"],
        record["told_hard_fields"],
    )
    return record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=Path("runs/robustness-set-v3"))
    ap.add_argument("--runs", type=Path, default=Path("runs"))
    ap.add_argument("--scores-dir", type=Path, default=Path("runs/v3-scores"))
    ap.add_argument("--json", type=Path, default=REPO / "docs/data/zoo-v3-eval.json")
    ap.add_argument("--shipped-only", action="store_true", help="score the shipped zoo only")
    ap.add_argument(
        "--run-prefix", default="v3-", help="candidate runs are RUNS/<prefix><method> (v3-)"
    )
    ap.add_argument(
        "--auto",
        nargs="*",
        default=[],
        choices=[n for n in METHODS if n != DEFAULT_METHOD],
        help="also score these networks on the one-click path (the default's is always)",
    )
    args = ap.parse_args()
    if not (args.set / "manifest.json").is_file():
        drive(iter_write_robustness_set(args.set))
    labels = {m: m for m in SHIPPED}
    if args.shipped_only:
        for method in labels:
            print(f"scoring {method}: {len(scores_of(args.set, method, args.scores_dir))} pairs")
        return
    labels |= candidates(args.runs.resolve(), tuple(args.auto), args.run_prefix)
    scores = []
    for method, label in labels.items():
        print(f"scoring {label}", flush=True)
        scores += [replace(s, method=label) for s in scores_of(args.set, method, args.scores_dir)]
    record = build_record(scores, labels, args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=1, default=str) + "\n")
    text, table = ZOO_DOC.read_text(), render(record)
    ZOO_DOC.write_text(
        MARK.sub(lambda _: table, text) if MARK.search(text) else text + "\n" + table
    )
    print(table)


if __name__ == "__main__":
    main()
