"""Model cards of the bundled models: rendered from ``config.json`` (and an evaluation).

A card starts with a block of ``key: value`` facts between ``---`` lines that
:func:`card_facts` reads back, so tests can check every card against its checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from napari_defocus_deblur.zoo.names import DEFAULT_METHOD, alias, method_of, trained_depths
from napari_defocus_deblur.zoo.stages_text import rounded, stage_lines, validation_note

PAPER = "Defocus Deblur Microscopy via head-to-tail cross-scale fusion (arXiv:2201.02876)"
_METHOD_WORDS = {
    "sum": "head-to-tail cross-scale fusion network, K = 4 scales, summation fusion",
    "concat": "head-to-tail cross-scale fusion network, K = 4 scales, concatenation fusion",
    "unet": "plain U-Net (the head-to-tail network with K = 1), a baseline",
    "nah": "multi-scale network of Nah et al. (CVPR 2017), a baseline",
}


def facts_from_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """The facts a card states, taken from a checkpoint's ``config.json``."""
    training = info.get("training") or {}
    config = training.get("config") or {}
    model = info.get("model") or {}
    depths = trained_depths(info)
    stages = training.get("stages") or [training]
    return {
        "name": info.get("name"),
        "method": method_of(info),
        "architecture": model.get("architecture"),
        "scales": model.get("scales"),
        "fusion": info.get("fusion"),
        "parameters": training.get("parameters"),
        "depths_um": [float(d) for d in depths],
        "channel": info.get("channel"),
        "condition": model.get("condition", "none"),
        "training_data": (info.get("provenance") or {}).get("data"),
        "training_precision": training.get("precision", "fp32"),
        "weights": "float16 safetensors",
        "training_device": training.get("device"),
        "training_stages": len(stages),
        "training_steps": _total(stages, "steps"),
        "training_wall_time_s": _total(stages, "wall_time_s"),
        "crop": config.get("crop"),
        "batch": config.get("batch"),
        "input_val_psnr": rounded(training.get("input_val_psnr")),
        "final_val_psnr": rounded(_last_val_psnr(training)),
    }


def _total(stages: list[Mapping[str, Any]], key: str) -> Any:
    values = [s.get(key) for s in stages]
    if any(v is None for v in values):
        return None
    return round(sum(values), 2) if any(isinstance(v, float) for v in values) else sum(values)


def _last_val_psnr(training: Mapping[str, Any]) -> float | None:
    history = training.get("history") or []
    return history[-1].get("val_psnr") if history else None


def card_facts(text: str) -> dict[str, Any]:
    """The facts block of a card (values parsed as JSON)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    facts: dict[str, Any] = {}
    for line in lines[1:]:
        if line.strip() == "---":
            break
        key, _, value = line.partition(":")
        facts[key.strip()] = json.loads(value.strip())
    return facts


def _v2_rows(evaluation: Mapping[str, Any], method: str) -> list[str]:
    """Test rows from ``scripts/evaluate_zoo_v2.py``'s record (paper layout, nominal set)."""
    rows = {(r["method"], r["depth_um"]): r for r in evaluation["paper"]}
    if method == DEFAULT_METHOD and any(m == "default" for m, _ in rows):
        method = "default"  # the shipped default: this model with depth_um="auto"
    out = [
        "| distance | input PSNR / SSIM | this model PSNR / SSIM | gain (dB) | s / image |",
        "|---:|---:|---:|---:|---:|",
    ]
    for depth in sorted({d for _, d in rows}, reverse=True):
        inp, mine = rows.get(("input", depth)), rows.get((method, depth))
        if inp and mine:
            out.append(
                f"| {depth:g} µm | {inp['psnr']:.2f} / {inp['ssim']:.3f} | "
                f"{mine['psnr']:.2f} / {mine['ssim']:.3f} | {mine['gain_db']:+.2f} | "
                f"{mine['seconds']:.2f} |"
            )
    robust = [r for r in evaluation.get("by_setting", []) if r["method"] == method]
    if robust:
        worst = min(robust, key=lambda r: r["gain_db"])
        out += [
            "",
            f"Robustness set (6 optics settings x 3 content types at 10/22/34 µm): worst "
            f"setting {worst['setting']} at {worst['depth_um']:g} µm, {worst['gain_db']:+.2f} "
            "dB; every figure is in docs/zoo.md.",
        ]
    what = 'with `depth_um="auto"` (estimated)' if method == "default" else "told the distance"
    out += ["", f"Paper-layout part of the robustness set: nominal optics, below focus; {what}."]
    return out


def _test_rows(evaluation: Mapping[str, Any] | None, method: str) -> list[str]:
    if not evaluation:
        return ["(no evaluation was given when the card was written)"]
    if "paper" in evaluation:
        return _v2_rows(evaluation, method)
    rows = {(r["method"], r["depth_um"]): r for r in evaluation.get("rows", [])}
    out = [
        "| distance | input PSNR / SSIM | this model PSNR / SSIM | gain (dB) | s / image |",
        "|---:|---:|---:|---:|---:|",
    ]
    for depth in sorted(evaluation.get("depths_um", []), reverse=True):
        inp, mine = rows.get(("input", depth)), rows.get((method, depth))
        if not inp or not mine or mine.get("missing") or inp.get("missing"):
            continue
        out.append(
            f"| {depth:g} µm | {inp['psnr']:.2f} / {inp['ssim']:.3f} | "
            f"{mine['psnr']:.2f} / {mine['ssim']:.3f} | {mine['psnr'] - inp['psnr']:+.2f} | "
            f"{mine['seconds_per_image']:.2f} |"
        )
    n = sorted({r["n_images"] for r in evaluation.get("rows", [])})
    out += [
        "",
        f"{'/'.join(map(str, n))} held-out test fields per distance ({evaluation.get('data')}), "
        f"device {evaluation.get('device')}. {evaluation.get('normalization', '')}",
    ]
    return out


def _run_name(training: Mapping[str, Any], facts: Mapping[str, Any]) -> str:
    """The run folder the weights were written to (names its config file)."""
    out = (training.get("config") or {}).get("output_dir")
    return out.replace("\\", "/").rstrip("/").split("/")[-1] if out else str(facts["name"])


def _data_limits(facts: Mapping[str, Any]) -> list[str]:
    if str(facts.get("training_data") or "").startswith("prior:"):
        return [
            "- Trained on *simulated* defocus only: a Gibson-Lanni PSF of a dry 20x objective "
            "imaging into water (index mismatch, asymmetric about focus) with randomised NA, "
            "defocus scale, spherical aberration, emission, camera and content (the `wide` "
            "prior; a quarter of the fields use 8 real in-focus BBBC006 images as content). "
            "It was checked on real BBBC006 z_00 images only qualitatively (no real pairs here).",
            "- Distances 2-44 µm (and in focus); farther defocus is extrapolation.",
        ]
    return [
        "- Trained on *simulated* defocus (calibrated widefield PSF and camera model, "
        "BBBC006-like nuclei, Hoechst channel w1); real BBBC006 was not available for training."
    ]


def render_card(
    info: Mapping[str, Any], evaluation: Mapping[str, Any] | None = None, data_note: str = ""
) -> str:
    """Markdown model card for a bundled model."""
    facts = facts_from_info(info)
    lines = ["---", *(f"{k}: {json.dumps(v)}" for k, v in facts.items()), "---", ""]
    lines += [
        *_intro_lines(facts),
        "",
        *_training_lines(info, facts, data_note),
        "",
        "## Test (held-out simulated fields)",
        "",
        *_test_rows(evaluation, facts["method"]),
        "",
        "## Known limits",
        "",
        *_data_limits(facts),
        "- Trained on a CPU with a short budget (no GPU was available), far below the "
        "paper's 80-epoch schedule: fine-tuning on your own pairs (Train widget or "
        "`defocus-deblur train --init " + str(facts["name"]) + "`) is expected to help.",
        "- 2-D, single channel, 20x dry optics (effective NA 0.5 as calibrated on BBBC006) "
        "at 0.645 µm/pixel; other optics, stains or pixel sizes are outside what it has seen.",
        "- Weights are stored in float16 (run in float32 on the CPU).",
        "",
    ]
    return "\n".join(lines)


def _intro_lines(facts: Mapping[str, Any]) -> list[str]:
    """Title, method, and how to load the model and give it the distance."""
    method = facts["method"]
    return [
        f"# {facts['name']}",
        "",
        f"{_METHOD_WORDS.get(method, method)}; reimplementation of {PAPER}.",
        "",
        'Load it with `load_model("'
        + str(facts["name"])
        + '")` or by a per-distance name: '
        + ", ".join(f"`{alias(d, method)}`" for d in facts["depths_um"])
        + ". "
        + (
            "One network serves every distance: it is told the distance (depth-conditioned), "
            'so `deblur(img, depth_um=D)` or `depth_um="auto"` (estimated) changes its output.'
            if facts["condition"] == "depth"
            else "One network serves every distance listed: it was trained on fields of all "
            "of them pooled and is not told the distance."
        ),
    ]


def _training_lines(
    info: Mapping[str, Any], facts: Mapping[str, Any], data_note: str
) -> list[str]:
    """Section "Training": data, split, schedule, device, stages and validation PSNR."""
    training = info.get("training") or {}
    return [
        "## Training",
        "",
        f"- Data: {data_note or info.get('provenance', {}).get('data')}",
        f"- Split: by field; {training.get('data', {}).get('n_train_fields')} training and "
        f"{training.get('data', {}).get('n_val_fields')} validation (field, distance) pairs; "
        "the data set's test fields were never loaded.",
        f"- Schedule: {facts['training_steps']} Adam steps in all, each on {facts['batch']} "
        f"random {facts['crop']}x{facts['crop']} crops (flips/rotations), warm-up then cosine "
        f"learning rate from {training.get('config', {}).get('lr')}, multi-scale L2 loss.",
        f"- Device: {facts['training_device']}, {facts['training_precision']}; wall time "
        f"{(facts['training_wall_time_s'] or 0) / 60:.1f} min in all. "
        + ("Config of the last stage: " if facts["training_stages"] > 1 else "Config: ")
        + f"`configs/cpu-{_run_name(training, facts)}.json`"
        + (" (every stage is listed below)." if facts["training_stages"] > 1 else "."),
        *stage_lines(training),
        f"- Validation PSNR (all distances pooled): input {facts['input_val_psnr']} dB, "
        f"model {facts['final_val_psnr']} dB{validation_note(training)}.",
    ]
