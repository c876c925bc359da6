"""Copy trained runs into the package's model zoo as fp16 checkpoints with model cards.

Usage (after training with configs/cpu-bbbc006-*.json into RUNS/bbbc006-<method>)::

    python scripts/bundle_zoo.py --runs RUNS            # weights + config + card
    python scripts/bundle_zoo.py --cards-only --eval docs/data/zoo-eval.json

The second form re-renders the cards with the test table of an evaluation
(``defocus-deblur evaluate ... --json``) without touching the weights.
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


def bundle(run_dir: Path, name: str) -> Path:
    """Write ``run_dir``'s weights as ``zoo/<name>`` in float16 with its record."""
    model, info = load_checkpoint(run_dir)
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


def write_card(folder: Path, evaluation: dict | None) -> None:
    """(Re)write ``MODEL_CARD.md`` of a bundled model."""
    info = json.loads((folder / CONFIG_FILE).read_text())
    (folder / "MODEL_CARD.md").write_text(render_card(info, evaluation, DATA_NOTE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, help="folder holding bbbc006-<method> runs")
    parser.add_argument("--eval", type=Path, help="evaluation JSON for the cards' test table")
    parser.add_argument("--cards-only", action="store_true")
    args = parser.parse_args()
    evaluation = json.loads(args.eval.read_text()) if args.eval else None
    for method in METHODS:
        name = f"bbbc006-{method}"
        if not args.cards_only:
            if args.runs is None:
                parser.error("--runs is needed unless --cards-only")
            if not (args.runs / name / CONFIG_FILE).is_file():
                print(f"{name}: no finished run in {args.runs / name}, skipped")
                continue
            bundle(args.runs / name, name)
        if (ZOO_DIR / name / CONFIG_FILE).is_file():
            write_card(ZOO_DIR / name, evaluation)
            size = sum(p.stat().st_size for p in (ZOO_DIR / name).iterdir()) / 1e6
            print(f"{name}: {size:.1f} MB")


if __name__ == "__main__":
    main()
