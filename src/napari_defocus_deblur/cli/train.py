"""``defocus-deblur train``: train or fine-tune a deblurring model on paired images."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Any

from napari_defocus_deblur.cli._train_args import add_arguments
from napari_defocus_deblur.cli._train_config import build_config
from napari_defocus_deblur.training.defaults import CPU_DEFAULT_MINUTES

NAME = "train"


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
    add_arguments(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from napari_defocus_deblur.training.initialize import prepare_output

    config, notes = build_config(args)
    prepare_output(config)  # fail on an unwritable or occupied output before loading data
    data = _training_data(config, args)
    for note in [*notes, *(p.text() for p in data.pairing), data.grid_note()]:
        if note:
            print(note)
    return _drive(config, data)


def _training_data(config: Any, args: argparse.Namespace) -> Any:
    """The fields to train on: from DATA, or simulated from the prior."""
    from napari_defocus_deblur.normalization import PercentileNormalization
    from napari_defocus_deblur.training.initialize import init_info
    from napari_defocus_deblur.training.sources import training_data_for

    info = init_info(config) if not config.resume else None
    norm = PercentileNormalization.from_dict((info or {}).get("normalization"))
    if config.prior:
        print(f"simulating {config.prior_fields} training fields from preset {config.prior!r}")
    return training_data_for(
        config,
        args.data,
        normalization=norm,
        channel=args.channel,
        test_fraction=args.test_fraction,
        in_focus_index=args.in_focus_index,
        z_step_um=args.z_step,
        reference_plane=args.reference_plane,
        side=args.side,
    )


def _drive(config: Any, data: Any) -> int:
    """Train, printing progress; Ctrl-C stops after the current step. Returns the status."""
    from napari_defocus_deblur.training import run_training

    stop = threading.Event()
    previous = _install_sigint(stop)
    report = _Report(config)
    try:
        for ev in run_training(config, data, stop=stop):
            status = report.event(ev)
            if status is not None:
                return status
    finally:
        report.close()
        _restore_sigint(previous)
    return 0


class _Report:
    """Prints a run's events: a header, a progress bar, a line per epoch, the outcome."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.bar: Any = None
        self.t0 = time.perf_counter()

    def event(self, ev: Any) -> int | None:
        """Show ``ev``; returns the exit status when the run was stopped (else None)."""
        from tqdm import tqdm

        from napari_defocus_deblur.training import EpochEnd, Finished, Started, StepEnd

        if isinstance(ev, StepEnd):
            self.bar.update(ev.step - self.bar.n)
            self.bar.set_postfix(loss=f"{ev.loss:.4g}", lr=f"{ev.lr:.2g}", refresh=False)
        elif isinstance(ev, EpochEnd):
            # epoch 0 is the untrained network's validation: no training loss yet
            loss = f"{ev.train_loss:.5f}" if ev.step else "    -  "
            tqdm.write(
                f"epoch {ev.epoch:3d}  step {ev.step:6d}  train loss {loss}  "
                f"val loss {ev.val_loss:.5f}  val PSNR {ev.val_psnr:.2f} dB  "
                f"SSIM {ev.val_ssim:.4f}"
            )
        elif isinstance(ev, Started):
            self._started(ev)
        elif isinstance(ev, Finished):
            return self._finished(ev)
        return None

    def _started(self, ev: Any) -> None:
        from tqdm import tqdm

        config = self.config
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
        self.bar = tqdm(
            total=total, initial=ev.start_step, unit="step", disable=None, dynamic_ncols=True
        )

    def _finished(self, ev: Any) -> int | None:
        from napari_defocus_deblur.training import TrainState

        self.bar.close()
        what = {
            TrainState.STOPPED: "stopped",
            TrainState.EARLY_STOPPED: "stopped early (no better val PSNR)",
        }.get(ev.state, "finished")
        print(
            f"{what} after {ev.steps} steps ({_fmt_time(time.perf_counter() - self.t0)}); "
            f"model written to {ev.checkpoint}"
        )
        if outcome := ev.outcome():
            print(outcome)
        if ev.state is TrainState.STOPPED:
            print(f"continue with: defocus-deblur train ... -o {ev.checkpoint} --resume")
            return 130
        return None

    def close(self) -> None:
        """Close the progress bar, if one was opened."""
        if self.bar is not None:
            self.bar.close()


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


#: Seconds the first Ctrl-C waits for the current step (and its checkpoint) to end
#: before the run is interrupted where it is (the last checkpoint stays valid).
STOP_GRACE_S = 10.0


def _install_sigint(stop: threading.Event) -> Any:
    """Ctrl-C sets ``stop`` (a checkpoint is written) instead of killing the run; a step
    still running :data:`STOP_GRACE_S` later is interrupted, as a second Ctrl-C does."""
    import _thread

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after this step (Ctrl-C again to abort)...", file=sys.stderr)
        timer = threading.Timer(STOP_GRACE_S, _thread.interrupt_main)
        timer.daemon = True
        _TIMERS.append(timer)
        timer.start()

    return signal.signal(signal.SIGINT, handler)


_TIMERS: list[threading.Timer] = []


def _restore_sigint(previous: Any) -> None:
    while _TIMERS:
        _TIMERS.pop().cancel()
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
