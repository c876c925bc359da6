"""``defocus-deblur train``: train or fine-tune a deblurring model on paired images."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Any

NAME = "train"
#: Time budget when training on a CPU without --steps/--epochs/--max-minutes.
CPU_DEFAULT_MINUTES = 5.0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="train or fine-tune a model on (out-of-focus, in-focus) pairs",
        description=(
            "Train a model for one defocus distance on DATA: a BBBC006 layout (real or "
            "simulated, BBBC006_v1_images_z_NN folders) or a folder of z-stack TIFFs. Fields "
            "are split into training, validation and (held-out) test sets by field. On a CPU "
            "without --steps/--epochs/--max-minutes it trains for "
            f"{CPU_DEFAULT_MINUTES:g} minutes with crops of 128 and batches of 2."
        ),
    )
    p.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        default=None,
        help="BBBC006 root or folder of z-stack TIFFs (not needed with --prior)",
    )
    p.add_argument(
        "--prior",
        default=None,
        metavar="PRESET",
        help="train on fields simulated from a simulator preset (wide, nominal) instead",
    )
    p.add_argument("--prior-fields", type=int, default=None, help="simulated fields (256)")
    p.add_argument(
        "--condition",
        choices=("none", "depth"),
        default=None,
        help="'depth': a depth-conditioned network (default: the --init model's)",
    )
    p.add_argument("--content-dir", default=None, help="real in-focus images used as content")
    p.add_argument(
        "--depth",
        type=float,
        nargs="+",
        default=None,
        help="defocus distance in um (e.g. 34); several (e.g. 10 16 22 28 34) train one "
        "model for all of them",
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="MODEL_DIR", help="checkpoint directory to write"
    )
    p.add_argument("--channel", type=int, default=1, help="BBBC006 channel (default 1, nuclei)")
    p.add_argument(
        "--fusion",
        choices=("sum", "concat"),
        default=None,
        help="head-to-tail fusion (default: sum, or the --init model's)",
    )
    p.add_argument(
        "--scales",
        type=int,
        default=None,
        help="number of scales K (default: 4, or the --init model's; 1 = U-Net)",
    )
    p.add_argument(
        "--architecture",
        choices=("head_to_tail", "nah"),
        default=None,
        help="network family when training from scratch (default head_to_tail)",
    )
    p.add_argument("--base-channels", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--levels", type=int, default=None, help=argparse.SUPPRESS)
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, default=None, help="optimisation steps")
    length.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs (one epoch's crops cover the training pixels once)",
    )
    p.add_argument("--max-minutes", type=float, default=None, help="wall-time budget")
    p.add_argument("--epoch-steps", type=int, default=None, help="steps per epoch (validation)")
    p.add_argument("--crop", type=int, default=None, help="crop side (default 128)")
    p.add_argument("--batch", type=int, default=None, help="batch size (default CPU 2, GPU 8)")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (default 1e-3)")
    p.add_argument("--warmup", type=int, default=None, help="warm-up steps (default 50)")
    p.add_argument("--val-fraction", type=float, default=None, help="validation share (0.1)")
    p.add_argument(
        "--test-fraction",
        type=float,
        default=0.1,
        help="share of fields held out for evaluation, never trained on (0.1)",
    )
    p.add_argument("--split-seed", type=int, default=None, help="seed of the field split (0)")
    p.add_argument(
        "--init",
        default=None,
        help="'scratch' (default), a bundled model name or a checkpoint directory",
    )
    p.add_argument("--device", default=None, help="auto (default), cpu, cuda, cuda:N")
    p.add_argument("--seed", type=int, default=None, help="seed of init and sampling (0)")
    p.add_argument(
        "--patience",
        type=int,
        default=None,
        help="early stopping after N epochs without better val PSNR (10)",
    )
    p.add_argument("--no-amp", action="store_true", help="no bfloat16 autocast on CUDA")
    p.add_argument(
        "--config",
        default=None,
        metavar="JSON",
        help="training config file (e.g. configs/*.json); options given here win",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in MODEL_DIR")
    p.add_argument("--overwrite", action="store_true", help="replace a run in MODEL_DIR")
    p.add_argument(
        "--in-focus-index",
        type=int,
        default=None,
        help="z-stack folders: in-focus plane (default: sharpest plane per stack)",
    )
    p.add_argument("--z-step", type=float, default=2.0, help="z-stack folders: plane step, um")
    return p


_OVERRIDES = {  # CLI attribute -> TrainConfig field
    "fusion": "fusion",
    "scales": "scales",
    "architecture": "architecture",
    "base_channels": "base_channels",
    "levels": "levels",
    "steps": "steps",
    "epochs": "epochs",
    "max_minutes": "max_minutes",
    "epoch_steps": "epoch_steps",
    "crop": "crop",
    "batch": "batch",
    "lr": "lr",
    "warmup": "warmup",
    "val_fraction": "val_fraction",
    "split_seed": "split_seed",
    "init": "init",
    "device": "device",
    "seed": "seed",
    "patience": "early_stopping_patience",
    "prior": "prior",
    "prior_fields": "prior_fields",
    "condition": "condition",
    "content_dir": "content_dir",
}


def build_config(args: argparse.Namespace) -> tuple[Any, list[str]]:
    """The TrainConfig from a config file and/or options; returns it and notes to print.

    Options given on the command line win over the file; crop and batch given in neither
    take the device's defaults; a CPU run of unspecified length gets a time budget.
    """
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.inference.device import resolve_device
    from napari_defocus_deblur.training import TrainConfig, device_defaults
    from napari_defocus_deblur.training.config import read_config_file

    values = read_config_file(args.config) if args.config else {}
    values.update(
        {f: getattr(args, a) for a, f in _OVERRIDES.items() if getattr(args, a) is not None}
    )
    if args.depth is not None:
        values.pop("depth_um", None)
        values.pop("depths_um", None)
        if len(args.depth) == 1:
            values["depth_um"] = args.depth[0]
        else:
            values["depths_um"] = list(args.depth)
    if values.get("depth_um") is None and not values.get("depths_um") and not values.get("prior"):
        raise UserInputError("give the defocus distance to train for with --depth (in um)")
    values.update(output_dir=args.output, resume=args.resume, overwrite=args.overwrite)
    if args.no_amp:
        values["amp"] = False
    device = resolve_device(values.get("device", "auto"))
    for key, value in device_defaults(device.type).items():
        values.setdefault(key, value)
    notes = []
    if device.type == "cpu" and not any(values.get(k) for k in ("steps", "epochs", "max_minutes")):
        values["max_minutes"] = CPU_DEFAULT_MINUTES
        notes.append(
            f"training on the CPU for {CPU_DEFAULT_MINUTES:g} minutes "
            "(set --steps, --epochs or --max-minutes to change)"
        )
    return TrainConfig.from_dict(values), notes


def _depth_text(config: Any) -> str:
    if config.prior:
        lo, hi = config.prior_depths_um
        return f"{lo:g}-{hi:g} um (simulated, preset {config.prior})"
    if config.depths_um:
        return ", ".join(f"{d:g}" for d in config.depths_um) + " um (pooled)"
    return f"{config.depth_um:g} um"


def _fmt_time(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from tqdm import tqdm

    from napari_defocus_deblur.normalization import PercentileNormalization
    from napari_defocus_deblur.training import (
        CheckpointSaved,
        EpochEnd,
        Finished,
        Started,
        StepEnd,
        TrainState,
        run_training,
    )
    from napari_defocus_deblur.training.initialize import init_info, prepare_output
    from napari_defocus_deblur.training.sources import training_data_for

    config, notes = build_config(args)
    prepare_output(config)  # fail on an unwritable or occupied output before loading data
    info = init_info(config) if not config.resume else None
    norm = PercentileNormalization.from_dict((info or {}).get("normalization"))
    if config.prior:
        print(f"simulating {config.prior_fields} training fields from preset {config.prior!r}")
    data = training_data_for(
        config,
        args.data,
        normalization=norm,
        channel=args.channel,
        test_fraction=args.test_fraction,
        in_focus_index=args.in_focus_index,
        z_step_um=args.z_step,
    )
    for note in notes:
        print(note)
    stop = threading.Event()
    previous = _install_sigint(stop)
    bar = None
    t0 = time.perf_counter()
    try:
        for ev in run_training(config, data, stop=stop):
            if isinstance(ev, StepEnd):
                bar.update(ev.step - bar.n)
                bar.set_postfix(loss=f"{ev.loss:.4g}", lr=f"{ev.lr:.2g}", refresh=False)
            elif isinstance(ev, EpochEnd):
                tqdm.write(
                    f"epoch {ev.epoch:3d}  step {ev.step:6d}  train loss {ev.train_loss:.5f}  "
                    f"val loss {ev.val_loss:.5f}  val PSNR {ev.val_psnr:.2f} dB  "
                    f"SSIM {ev.val_ssim:.4f}"
                )
            elif isinstance(ev, Started):
                total = ev.total_steps if ev.total_steps >= 0 else None
                print(
                    f"{ev.n_train_fields} training / {ev.n_val_fields} validation fields at "
                    f"{_depth_text(config)}; {ev.parameters:,} parameters on {ev.device}; "
                    f"crop {config.crop}, batch {config.batch}, {ev.steps_per_epoch} steps/epoch"
                )
                print(
                    f"validation baseline (input, no processing): PSNR "
                    f"{ev.input_val_psnr:.2f} dB  SSIM {ev.input_val_ssim:.4f}"
                )
                bar = tqdm(
                    total=total,
                    initial=ev.start_step,
                    unit="step",
                    disable=None,
                    dynamic_ncols=True,
                )
            elif isinstance(ev, CheckpointSaved):
                pass
            elif isinstance(ev, Finished):
                bar.close()
                what = {
                    TrainState.STOPPED: "stopped",
                    TrainState.EARLY_STOPPED: "stopped early (no better val PSNR)",
                }.get(ev.state, "finished")
                print(
                    f"{what} after {ev.steps} steps ({_fmt_time(time.perf_counter() - t0)}); "
                    f"model written to {ev.checkpoint}"
                )
                if ev.state is TrainState.STOPPED:
                    print(f"continue with: defocus-deblur train ... -o {ev.checkpoint} --resume")
                    return 130
    finally:
        if bar is not None:
            bar.close()
        _restore_sigint(previous)
    return 0


def _install_sigint(stop: threading.Event) -> Any:
    """Ctrl-C sets ``stop`` (a checkpoint is written) instead of killing the run."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after this step (Ctrl-C again to abort)...", file=sys.stderr)

    return signal.signal(signal.SIGINT, handler)


def _restore_sigint(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
