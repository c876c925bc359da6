"""Copy trained runs into the package's model zoo as fp16 checkpoints with model cards.

Usage (after training with configs/cpu-bbbc006-<method>.json into RUNS/bbbc006-<method>
and continuing with configs/cpu-bbbc006-<method>-stage2.json into
RUNS/bbbc006-<method>-stage2)::

    python scripts/bundle_zoo.py --runs RUNS --run-name "bbbc006-{method}-stage2"
    python scripts/bundle_zoo.py --cards-only --eval docs/data/zoo-eval.json
    python scripts/bundle_zoo.py --cards-only --eval docs/data/zoo-v3-eval.json \
        --eval-suffix " v3"

The second form re-renders the cards with the test table of an evaluation
(``defocus-deblur evaluate ... --json``) without touching the weights. The third takes
the rows of the candidates just shipped from a ``scripts/evaluate_zoo_v3.py`` record
(``"sum v3"``, ``"default v3"``, ...: renamed to the plain method names), beside the
input and Richardson-Lucy rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from napari_defocus_deblur.inference.models import ZOO_DIR, save_model
from napari_defocus_deblur.model.checkpoint import CONFIG_FILE, load_checkpoint
from napari_defocus_deblur.zoo.card import render_card

METHODS = ("sum", "concat", "unet", "nah")
DATA_NOTE = (
    "simulated BBBC006 layout, 120 fields (`defocus-deblur simulate zoo-train --fields 120 "
    "--planes 21 24 27 30 33 --channels 1 --content-dir ../shared/data/bbbc006-real/in-focus "
    "--content-fraction 0.25 --seed 0`): 30 fields with real in-focus BBBC006 nuclei as "
    "content, 90 with procedural nuclei; planes z16 (in focus) and z21/z24/z27/z30/z33 "
    "(10/16/22/28/34 µm)"
)


def _init_dir(info: dict, run_dir: Path) -> Path | None:
    """The checkpoint directory a run was initialised from (None from scratch)."""
    init = (info.get("provenance") or {}).get("init")
    if not init or init == "scratch":
        return None
    candidates = (Path(init), run_dir.parent / Path(init).name, ZOO_DIR / init)
    for candidate in candidates:  # as given, a sibling, or a bundled model
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise SystemExit(f"{run_dir}: its --init {init!r} is not found; cannot record its stages")


def averaged_parts(info: dict) -> dict:
    """What a run's weights are the mean of (``scripts/average_copies.py``): the steps of
    its kept copies and how often the weights it started from count (recorded by
    ``average_copies.py``; in older means, the parts without a training state: a bundled
    model); empty for a run trained as it is."""
    provenance = info.get("provenance") or {}
    copies = provenance.get("averaged") or []
    steps, start = [], 0
    if "averaged_start" in provenance:  # named by average_copies.py (also --start runs)
        start = int(provenance["averaged_start"])
        copies = copies[start:]
    for copy in copies:
        state_file = Path(copy) / "training_state.json"
        if not state_file.is_file():  # the bundled zoo the stage started from
            start += 1
            continue
        steps.append(int(json.loads(state_file.read_text())["step"]))
    out: dict = {"averaged_steps": steps} if copies else {}
    return {**out, "averaged_start": start} if start else out


def read_config(run: Path) -> dict:
    """A run folder's ``config.json``."""
    return json.loads((run / CONFIG_FILE).read_text())


def stage_name(run: Path) -> str:
    """A mean's stage name: its run folder's name without ``-avg-`` (``v3o-avg-unet``
    is stage ``v3o-unet``)."""
    return run.name.replace("-avg-", "-")


def soup_parts(info: dict) -> list[tuple[Path, dict]]:
    """The stage means a soup averaged (``scripts/average_copies.py`` given the means of
    stages that continued the same weights in parallel, not one stage's copies), each
    with its config: its parts past the start when every one of them is itself a mean;
    empty otherwise."""
    provenance = info.get("provenance") or {}
    copies = [Path(c) for c in provenance.get("averaged") or []]
    copies = copies[int(provenance.get("averaged_start") or 0) :]
    if not copies or not all((c / CONFIG_FILE).is_file() for c in copies):
        return []
    parts = [(c.resolve(), read_config(c)) for c in copies]
    return parts if all((i.get("provenance") or {}).get("averaged") for _, i in parts) else []


def run_stage(run: Path, info: dict) -> dict:
    """The stage record of one run folder (trained, or a mean of one stage's copies)
    from its config ``info``."""
    training = info.get("training") or {}
    history = training.get("history") or []
    averaged = averaged_parts(info)
    return {
        "run": stage_name(run) if averaged else run.name,
        **averaged,
        "init": (info.get("provenance") or {}).get("init"),
        "steps": training.get("steps"),
        "wall_time_s": training.get("wall_time_s"),
        "device": training.get("device"),
        "lr": (training.get("config") or {}).get("lr"),
        "seed": (training.get("config") or {}).get("seed"),
        "final_val_psnr": history[-1].get("val_psnr") if history else None,
    }


def soup_stage(run: Path, info: dict, parts: list[tuple[Path, dict]]) -> dict:
    """The record of a soup (config ``info``): no steps of its own, the stages it
    averaged by name."""
    start = int((info.get("provenance") or {}).get("averaged_start") or 0)
    return {
        "run": stage_name(run),
        "soup_of": [stage_name(part) for part, _ in parts],
        **({"averaged_start": start} if start else {}),
        "init": (info.get("provenance") or {}).get("init"),
        "steps": 0,
        "wall_time_s": 0.0,
        "device": (info.get("training") or {}).get("device"),
        "lr": None,
        "seed": None,
        "final_val_psnr": None,
    }


def training_stages(run_dir: Path) -> list[dict]:
    """Summary of every run in the chain ``scratch -> ... -> run_dir``, first first.

    A chain that starts from a bundled model takes that model's recorded stages. A soup
    (:func:`soup_parts`) is listed as the stages it averaged, then itself.
    """
    stages: list[dict] = []
    current: Path | None = run_dir
    while current is not None:
        info = read_config(current)
        if current.parent.resolve() == ZOO_DIR.resolve():  # a bundled starting point
            recorded = (info.get("training") or {}).get("stages")
            stages.extend(reversed(recorded or []))
            break
        parts = soup_parts(info)
        if parts:
            stages.append(soup_stage(current, info, parts))
            stages.extend(run_stage(part, part_info) for part, part_info in reversed(parts))
        else:
            stages.append(run_stage(current, info))
        current = _init_dir(info, current)
    unique = {st["run"]: st for st in stages[::-1]}  # a re-bundle meets its own stages
    return list(unique.values())


def bundle(run_dir: Path, name: str) -> Path:
    """Write ``run_dir``'s weights as ``zoo/<name>`` in float16 with its record."""
    model, info = load_checkpoint(run_dir)
    stages = training_stages(run_dir)
    if len(stages) > 1:
        info = {**info, "training": {**info["training"], "stages": stages}}
    out = ZOO_DIR / name
    if out.exists():
        shutil.rmtree(out)
    #: set here, or written by save_model itself
    own = ("model", "name", "format", "normalization", "depth_um", "fusion")
    save_model(
        model,
        out,
        name=name,
        half=True,
        normalization=info.get("normalization"),
        depth_um=info.get("depth_um"),
        fusion=info.get("fusion"),
        **{k: v for k, v in info.items() if k not in own},
    )
    for path in out.iterdir():
        path.chmod(0o644)  # safetensors writes 0600; installed files must be world-readable
    return out


DATA_NOTE_V2 = (
    "fields simulated in memory from the `wide` prior (`--prior wide --prior-fields 320`, "
    "256 x 256, distances 2-44 µm, 6 % in focus, 20 % above focus; Gibson-Lanni PSF with "
    "the dry-objective/water index mismatch; randomised optics, camera and content; a "
    "quarter with the 8 real in-focus BBBC006 images in ../shared as content); validation: "
    "12 prior fields + 5 nominal fields at the paper's distances"
)


def data_note_v3(config: dict, soup_seeds: list[int] | None = None) -> str:
    """The card's data line of a zoo v3 network, from its last stage's training config
    (stage a: 480 fields, distances drawn uniformly; stages b-e: 960 fresh fields each,
    stratified, continuing the zoo shipped before them; stage e-f also told a jittered
    distance, stage f with a share of nominal optics; the card's stage list gives the steps)."""
    fields = config.get("prior_fields", 480)
    sampling = config.get("depth_sampling") or "uniform"
    lo, hi = config.get("prior_depths_um") or (2.0, 44.0)
    stage_b = (
        f"; the last stage continued the previously shipped zoo v3 on {fields} fresh fields "
        f"(split seed {config.get('split_seed')}), distances drawn {sampling}"
        if sampling == "stratified"
        else ""
    )
    if stage_b and soup_seeds:  # a soup: its stages share the recipe, not the fields
        seeds = ", ".join(str(seed) for seed in soup_seeds)
        stage_b = (
            f"; the last {len(soup_seeds)} stages each continued the previously shipped zoo "
            f"v3 in parallel on {fields} fresh fields of their own (seeds {seeds}; the "
            f"weights are their soup), distances drawn {sampling}"
        )
    jitter = config.get("depth_jitter") or 0.0
    if jitter:
        stage_b += f", told its distance times exp({jitter:g} N(0, 1)) (`depth_jitter`)"
    share = config.get("nominal_optics_share") or 0.0
    if share:
        stage_b += (
            f", {share:.0%} of the fields imaged with the nominal optics and the prior's "
            "camera and content (`nominal_optics_share`)"
        )
    return (
        "zoo v3 (`scripts/train_zoo_v3.py`, round-robin with the other three networks at "
        "equal steps): fields simulated in memory from the recalibrated `wide` prior "
        "(calibration v3: nominal NA 0.5, defocus scale 0.9, fitted on the real z_00 and "
        f"in-focus images; `--prior wide --prior-fields {fields}`, 256 x 256, distances "
        f"{lo:g}-{hi:g} µm, 6 % in focus, 20 % above focus; a quarter with the 8 real "
        "in-focus BBBC006 images in ../shared as content); lattice-free resize-then-convolve "
        "upsampling warm-started from the v2 network's transposed convolutions"
        f"{stage_b}; validation: 12 prior fields + 5 nominal fields at the paper's distances"
    )


def candidate_rows(record: dict, suffix: str) -> dict:
    """The tables of ``record`` with the rows of ``"<method><suffix>"`` renamed to
    ``<method>``, the input and Richardson-Lucy (nominal PSF) rows, and nothing else."""
    keep = {"input": "input", "rl-nominal": "rl-nominal"}
    keep |= {f"{m}{suffix}": m for m in (*METHODS, "default")}
    return {
        table: [{**row, "method": keep[row["method"]]} for row in rows if row["method"] in keep]
        for table, rows in record.items()
        if table in ("paper", "by_setting", "by_content", "cells")
    }


def write_card(folder: Path, evaluation: dict | None) -> None:
    """(Re)write ``MODEL_CARD.md`` of a bundled model."""
    info = read_config(folder)
    source = str((info.get("provenance") or {}).get("data") or "")
    note = DATA_NOTE_V2 if source.startswith("prior:") else DATA_NOTE
    if (info.get("model") or {}).get("upsample") == "resize":
        training = info.get("training") or {}
        stages = training.get("stages") or [{}]
        soup = set(stages[-1].get("soup_of") or [])
        seeds = [stage.get("seed") for stage in stages if stage.get("run") in soup]
        note = data_note_v3(training.get("config") or {}, seeds)
    (folder / "MODEL_CARD.md").write_text(render_card(info, evaluation, note))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, help="folder holding bbbc006-<method> runs")
    parser.add_argument(
        "--run-name",
        default="bbbc006-{method}",
        help="run folder name in RUNS, {method} = sum/concat/unet/nah (default %(default)s)",
    )
    parser.add_argument("--eval", type=Path, help="evaluation JSON for the cards' test table")
    parser.add_argument(
        "--eval-suffix",
        help='take the rows "<method><suffix>" of --eval as the methods\' (e.g. " v3")',
    )
    parser.add_argument("--cards-only", action="store_true")
    args = parser.parse_args()
    evaluation = json.loads(args.eval.read_text()) if args.eval else None
    if evaluation is not None and args.eval_suffix:
        evaluation = candidate_rows(evaluation, args.eval_suffix)
    for method in METHODS:
        name = f"bbbc006-{method}"
        if not args.cards_only:
            if args.runs is None:
                parser.error("--runs is needed unless --cards-only")
            run_dir = args.runs / args.run_name.format(method=method)
            if (run_dir / CONFIG_FILE).is_file():
                bundle(run_dir, name)
            else:
                print(f"{name}: no finished run in {run_dir}; bundled weights kept")
        if (ZOO_DIR / name / CONFIG_FILE).is_file():
            write_card(ZOO_DIR / name, evaluation)
            size = sum(p.stat().st_size for p in (ZOO_DIR / name).iterdir()) / 1e6
            print(f"{name}: {size:.1f} MB")


if __name__ == "__main__":
    main()
