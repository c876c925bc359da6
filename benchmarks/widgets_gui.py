"""GUI stalls of the Deblur and Train docks in a real napari window (target: every
stall <= 250 ms), one line per scenario of issue 23.

    xvfb-run -a -s "-screen 0 1440x900x24" env OMP_NUM_THREADS=1 PYTHONPATH=src \\
        python benchmarks/widgets_gui.py [--big 8000] [--steps 8]

A 20 ms Qt timer runs throughout; the longest gap between its ticks is the longest stall
of the event loop. Scenarios: the demo's first Run (with PSNR/SSIM against the in-focus
reference), Apply to stack on a reader-opened simulated BBBC006 folder (3 fields x 2
planes), one Run on a ``--big`` x ``--big`` image, and training from the reader's
z-stack and from the folder (tiny network, ``--steps`` steps).

``--trace MS`` also samples the GUI thread's stack (``sys._current_frames``, every 5 ms,
from a watchdog thread) whenever the timer has not ticked for MS ms, and prints the
frames where each stall longer than MS ms spent its time.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from focus_map_gui import _wait  # the same event-loop wait as the focus-map benchmark


class StallMeter:
    """The longest gap between ticks of a 20 ms timer (the GUI's worst stall)."""

    def __init__(self) -> None:
        from qtpy.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.reset()
        self.timer.start()

    def reset(self) -> None:
        """Start a new scenario."""
        self.last = self.start = time.perf_counter()
        self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def report(self, name: str) -> None:
        """Print the scenario's worst stall and its duration."""
        took = time.perf_counter() - self.start
        print(
            f"{name:<38} longest stall {self.worst * 1000:6.0f} ms   ({took:5.1f} s)", flush=True
        )


class StallTracer:
    """Samples the GUI thread's stack while ``meter``'s timer is late by > ``ms``."""

    def __init__(self, meter: StallMeter, ms: float) -> None:
        self.meter, self.limit = meter, ms / 1000
        self.main = threading.main_thread().ident
        self.samples: list = []
        self.stalls: list = []
        self.gil: list = []  # (wait, stacks of the other threads) when the GIL was held
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        seen, me = self.meter.last, threading.get_ident()
        while True:
            before = time.perf_counter()
            time.sleep(0.005)
            if time.perf_counter() - before > self.limit:  # this thread waited for the GIL
                others = sys._current_frames().items()
                held = [traceback.extract_stack(f) for t, f in others if t not in (me, self.main)]
                self.gil.append((time.perf_counter() - before, held))
            last = self.meter.last
            if last != seen and self.samples:  # the stall ended
                if seen >= self.meter.start:  # within the scenario
                    self.stalls.append((last - seen, self.samples))
                self.samples = []
            seen = last
            if time.perf_counter() - last > self.limit:
                frame = sys._current_frames().get(self.main)
                if frame is not None:
                    self.samples.append(traceback.extract_stack(frame))

    def report(self) -> None:
        """Print where each long stall of this scenario spent its samples."""
        for gap, samples in self.stalls:
            print(f"  stall {gap * 1000:.0f} ms, {len(samples)} samples past the limit:")
            counts = collections.Counter()
            for stack in samples:
                for entry in {(f.filename, f.lineno, f.name) for f in stack}:
                    counts[entry] += 1
            depth = {(f.filename, f.lineno, f.name): i for i, f in enumerate(samples[0])}
            top = [e for e, n in counts.items() if n >= max(len(samples) // 3, 1)]
            for filename, line, func in sorted(top, key=lambda e: depth.get(e, 999))[-14:]:
                where = "/".join(Path(filename).parts[-2:])
                print(f"    {counts[(filename, line, func)]:3d}  {where}:{line} {func}")
        for wait, stacks in self.gil:
            print(f"  GIL held {wait * 1000:.0f} ms; other threads then at:")
            for stack in stacks:
                for f in [f for f in stack if not f.filename.startswith("<frozen")][-8:]:
                    print(f"      {'/'.join(Path(f.filename).parts[-2:])}:{f.lineno} {f.name}")
                print("      --")
        self.stalls, self.gil = [], []


def _tiny(widget, out: Path, steps: int) -> None:
    a = widget.advanced
    widget.form.start_from.value = "scratch"
    a.scales.value, a.base_channels.value, a.levels.value = 2, 8, 3
    a.epochs.value, a.epoch_steps.value = 2, max(steps // 2, 1)
    a.crop.value, a.batch.value, a.val_fraction.value = 64, 2, 0.34
    a.preview_every.value, a.device.value, a.output.value = 2, "cpu", str(out)


def _settle(meter, tracer) -> None:
    """The docks just opened: wait while the warm-up imports run (a user looks at the
    window first), and report the stalls of that time as their own line."""
    from napari_defocus_deblur.widgets._warm import ready

    _wait(ready.is_set)
    end = time.perf_counter() + 1.0
    _wait(lambda: time.perf_counter() > end)
    meter.report("docks opened, warm-up imports (1 s after)")
    if tracer is not None:
        tracer.report()


SCENARIOS = ("first", "stack", "big", "zstack", "folder")


def _first(viewer, deblur, train, meter, args) -> None:
    deblur.run_button.native.click()
    _wait(lambda: not deblur.jobs.busy and deblur.compare.verdict is not None)
    meter.report("first Run (demo, with PSNR/SSIM)")


def _stack(viewer, deblur, train, meter, args) -> None:
    deblur.select_image(args.stack)
    meter.reset()
    deblur.apply_button.native.click()
    _wait(lambda: not deblur.jobs.busy)
    meter.report("Apply to stack (3 fields x 2 planes)")


def _big(viewer, deblur, train, meter, args) -> None:
    import numpy as np

    big = np.random.default_rng(0).random((args.big, args.big)).astype(np.float32) * 1000
    deblur.select_image(viewer.add_image(big, name="big"))
    del big
    meter.reset()
    deblur.run_button.native.click()
    _wait(lambda: not deblur.jobs.busy)
    meter.report(f"Run on {args.big} x {args.big}")


def _training(mode: str):
    def scenario(viewer, deblur, train, meter, args) -> None:
        train.form.data.value = "folder" if mode == "folder" else "layers"
        if mode == "folder":
            train.form.folder.value, train.form.depth_um.value = str(args.root), 34.0
            train.form.side.value = "above"  # z_33 is 34 µm above the simulated focus z_16
        else:
            train.oof.value = args.stack
        _tiny(train, args.tmp / f"run-{mode}", args.steps)
        meter.reset()
        train.start()
        _wait(lambda: train.worker is None)
        meter.report(f"training ({'z-stack layer' if mode == 'zstack' else 'folder'})")

    return scenario


def main() -> None:
    """Run the scenarios and print one line each."""
    import napari

    from napari_defocus_deblur.cli.demo import setup_viewer
    from napari_defocus_deblur.simulate.dataset import write_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=4000, help="side of the large image")
    parser.add_argument("--steps", type=int, default=8, help="training steps per run")
    parser.add_argument("--trace", type=float, default=0, help="print stacks of stalls > MS")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios to run")
    args = parser.parse_args()
    args.tmp = Path(tempfile.mkdtemp(prefix="widgets-gui-"))
    viewer = napari.Viewer()
    deblur, train = setup_viewer(viewer)
    deblur.settings.live_preview.value = False
    meter = StallMeter()
    tracer = StallTracer(meter, args.trace) if args.trace else None
    _settle(meter, tracer)
    steps = {"first": _first, "stack": _stack, "big": _big}
    steps.update(zstack=_training("zstack"), folder=_training("folder"))
    for name in SCENARIOS:
        if name not in args.only.split(","):
            continue
        if not hasattr(args, "root") and name != "first":
            args.root = write_dataset(args.tmp / "b6", 3, planes=(16, 33), channels=(1,), seed=1)
        if name == "stack" or (name == "zstack" and not hasattr(args, "stack")):
            viewer.open(str(args.root), plugin="napari-defocus-deblur")
            args.stack = viewer.layers[-1]
        meter.reset()
        steps[name](viewer, deblur, train, meter, args)
        if tracer is not None:
            tracer.report()
    viewer.close()


if __name__ == "__main__":
    main()
