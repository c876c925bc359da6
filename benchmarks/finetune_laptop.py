"""Laptop fine-tuning: does a CPU user with a handful of field pairs gain in ~5 minutes?

Simulates ``--fields`` BBBC006 fields with ``defocus-deblur simulate`` (its default, the
calibrated ``nominal`` preset; in focus z_16 and the plane ``--depth`` below it, Hoechst
channel), then runs ``defocus-deblur train`` with its CPU defaults (crop/batch for the
CPU, lr 1e-3 with warm-up, cosine schedule over the time budget) for ``--minutes`` and
prints the wall time and the validation PSNR/SSIM of the unprocessed input, of the
network before training and after. Starts, as the Train widget does, from the bundled
model of the default family (:data:`~napari_defocus_deblur.zoo.names.DEFAULT_METHOD`)
when one is installed, else from scratch (then "before" is a random network and the
figure to compare with is the input baseline).

The default 32 um pairs z_00 with z_16, the distance real BBBC006 z_00 images lie below
the set's recorded focus (``--side below``, the paper's side, is ``train``'s default).

Run: python benchmarks/finetune_laptop.py [--fields 16] [--depth 32] [--minutes 5]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from napari_defocus_deblur.cli import main as cli
from napari_defocus_deblur.constants import IN_FOCUS_PLANE, pair_planes
from napari_defocus_deblur.inference.catalogue import choose_model


def default_init(depth: float) -> str:
    """The bundled model of the default family the catalogue picks for ``depth`` (as the
    Train widget's "auto" start does), else ``"scratch"``."""
    entry = choose_model(depth)
    return "scratch" if entry is None else entry.name


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fields", type=int, default=16)
    parser.add_argument("--depth", type=float, default=32.0)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--init", default=None, help="default: bundled model, else scratch")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--workdir", default=None, help="keep data and model here")
    parser.add_argument(
        "--extra", nargs=argparse.REMAINDER, default=[], help="more 'defocus-deblur train' options"
    )
    return parser.parse_args()


def run_cli(argv: list[str]) -> float:
    """Run one ``defocus-deblur`` command, echoed; its wall time (exit on failure)."""
    print("$ defocus-deblur " + " ".join(argv), flush=True)
    t0 = time.perf_counter()
    rc = cli(argv)
    if rc != 0:
        raise SystemExit(rc)
    return time.perf_counter() - t0


def simulate(data: Path, fields: int, depth: float) -> None:
    """The simulated pairs (kept when ``data`` already holds them)."""
    if data.is_dir():
        return
    plane = pair_planes(depth, IN_FOCUS_PLANE, "below")[0]
    argv = ["simulate", str(data), "--fields", str(fields), "--planes", str(plane)]
    seconds = run_cli([*argv, "--channels", "1", "--quiet"])
    print(f"simulated {fields} fields (z_{plane:02d}, z_{IN_FOCUS_PLANE}) in {seconds:.1f} s")


def report(record: dict, init: str, depth: float, wall: float) -> None:
    """Print what the run's ``config.json`` records: data, steps, PSNR/SSIM."""
    hist, cfg = record["history"], record["config"]
    print()
    print(f"device        : {record['device']} (torch threads {torch.get_num_threads()})")
    print(
        f"data          : {record['data']['n_train_fields']} training / "
        f"{record['data']['n_val_fields']} validation fields, {depth:g} um"
    )
    print(f"init          : {init}; crop {cfg['crop']}, batch {cfg['batch']}, lr {cfg['lr']}")
    print(
        f"steps         : {record['steps']} in {record['wall_time_s']:.0f} s of training "
        f"({wall:.0f} s with data loading)"
    )
    print(
        f"val input     : PSNR {record['input_val_psnr']:.2f} dB  "
        f"SSIM {record['input_val_ssim']:.4f}  (no processing)"
    )
    print(f"val before    : PSNR {hist[0]['val_psnr']:.2f} dB  SSIM {hist[0]['val_ssim']:.4f}")
    print(
        f"val after     : PSNR {hist[-1]['val_psnr']:.2f} dB  SSIM {hist[-1]['val_ssim']:.4f}"
        f"  (best {record['best_val_psnr']:.2f} dB)"
    )
    print(f"gain vs input : {hist[-1]['val_psnr'] - record['input_val_psnr']:+.2f} dB PSNR")
    if init != "scratch":  # a random network's "before" says nothing
        print(f"gain vs before: {hist[-1]['val_psnr'] - hist[0]['val_psnr']:+.2f} dB PSNR")


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="finetune-laptop-"))
    simulate(work / "data", args.fields, args.depth)
    init = args.init or default_init(args.depth)
    out = work / f"model-{init.replace('/', '_')}"
    argv = ["train", str(work / "data"), "--depth", f"{args.depth:g}", "-o", str(out)]
    argv += ["--device", "cpu", "--init", init, "--max-minutes", f"{args.minutes:g}"]
    wall = run_cli([*argv, "--overwrite", *args.extra])
    record = json.loads((out / "config.json").read_text())["training"]
    report(record, init, args.depth, wall)


if __name__ == "__main__":
    main()
