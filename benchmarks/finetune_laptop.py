"""Laptop fine-tuning: does a CPU user with a handful of field pairs gain in ~5 minutes?

Simulates ``--fields`` BBBC006 fields (in focus + one defocus plane, Hoechst channel),
then runs ``defocus-deblur train`` with its CPU defaults (crop/batch for the CPU, lr 1e-3
with warm-up, cosine schedule over the time budget) for ``--minutes`` and prints the
wall time and the validation PSNR/SSIM of the unprocessed input, of the network before
training and after. Starts from the bundled model for that distance when one is
installed, else from scratch (then "before" is a random network and the figure to
compare with is the input baseline).

The defocus plane lies *above* the simulator's focus z_16 (z_33 for 34 um: 34 um below
z_16 is outside BBBC006), as when the figures in docs/training.md were measured; the run
says so explicitly with ``--side above``.

Run: python benchmarks/finetune_laptop.py [--fields 16] [--depth 34] [--minutes 5]
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
from napari_defocus_deblur.simulate.dataset import write_dataset
from napari_defocus_deblur.training.initialize import find_init_checkpoint


def _default_init(depth: float) -> str:
    name = f"bbbc006-{depth:g}um-sum"
    try:
        find_init_checkpoint(name)
    except Exception:
        return "scratch"
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fields", type=int, default=16)
    parser.add_argument("--depth", type=float, default=34.0)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--init", default=None, help="default: bundled model, else scratch")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--workdir", default=None, help="keep data and model here")
    parser.add_argument(
        "--extra", nargs=argparse.REMAINDER, default=[], help="more 'defocus-deblur train' options"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="finetune-laptop-"))
    data = work / "data"
    if not data.is_dir():
        t0 = time.perf_counter()
        planes = pair_planes(args.depth, IN_FOCUS_PLANE, "above")
        write_dataset(data, args.fields, planes=planes, channels=(1,))
        print(f"simulated {args.fields} fields in {time.perf_counter() - t0:.1f} s -> {data}")
    init = args.init or _default_init(args.depth)
    out = work / f"model-{init.replace('/', '_')}"
    argv = [
        "train",
        str(data),
        "--depth",
        f"{args.depth:g}",
        "--side",
        "above",
        "-o",
        str(out),
        "--device",
        "cpu",
        "--init",
        init,
        "--max-minutes",
        f"{args.minutes:g}",
        "--overwrite",
        *args.extra,
    ]
    print("$ defocus-deblur " + " ".join(argv))
    t0 = time.perf_counter()
    rc = cli(argv)
    wall = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(rc)
    record = json.loads((out / "config.json").read_text())["training"]
    hist = record["history"]
    cfg = record["config"]
    print()
    print(f"device        : {record['device']} (torch threads {torch.get_num_threads()})")
    print(
        f"data          : {record['data']['n_train_fields']} training / "
        f"{record['data']['n_val_fields']} validation fields, {args.depth:g} um"
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


if __name__ == "__main__":
    main()
