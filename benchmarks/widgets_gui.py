"""GUI stalls of the Deblur and Train docks in a real napari window (target: every
stall <= 250 ms), one line per scenario of issue 23.

    xvfb-run -a -s "-screen 0 1440x900x24" env OMP_NUM_THREADS=1 PYTHONPATH=src \\
        python benchmarks/widgets_gui.py [--big 8000] [--steps 8]

A 20 ms Qt timer runs throughout; the longest gap between its ticks is the longest stall
of the event loop. Scenarios: the demo's first Run (with PSNR/SSIM against the in-focus
reference), Apply to stack on a reader-opened simulated BBBC006 folder (3 fields x 2
planes), one Run on a ``--big`` x ``--big`` image, and training from the reader's
z-stack and from the folder (tiny network, ``--steps`` steps).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
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


def _tiny(widget, out: Path, steps: int) -> None:
    a = widget.advanced
    widget.form.start_from.value = "scratch"
    a.scales.value, a.base_channels.value, a.levels.value = 2, 8, 3
    a.epochs.value, a.epoch_steps.value = 2, max(steps // 2, 1)
    a.crop.value, a.batch.value, a.val_fraction.value = 64, 2, 0.34
    a.preview_every.value, a.device.value, a.output.value = 2, "cpu", str(out)


def main() -> None:
    """Run the scenarios and print one line each."""
    import napari
    import numpy as np

    from napari_defocus_deblur.cli.demo import setup_viewer
    from napari_defocus_deblur.simulate.dataset import write_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=4000, help="side of the large image")
    parser.add_argument("--steps", type=int, default=8, help="training steps per run")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="widgets-gui-"))
    viewer = napari.Viewer()
    deblur, train = setup_viewer(viewer)
    deblur.settings.live_preview.value = False
    meter = StallMeter()
    deblur.run_button.native.click()
    _wait(lambda: not deblur.jobs.busy and deblur.compare.verdict is not None)
    meter.report("first Run (demo, with PSNR/SSIM)")

    root = write_dataset(tmp / "b6", 3, planes=(16, 33), channels=(1,), seed=1)
    viewer.open(str(root), plugin="napari-defocus-deblur")
    stack = viewer.layers[-1]
    deblur.select_image(stack)
    meter.reset()
    deblur.apply_button.native.click()
    _wait(lambda: not deblur.jobs.busy)
    meter.report("Apply to stack (3 fields x 2 planes)")

    big = np.random.default_rng(0).random((args.big, args.big)).astype(np.float32) * 1000
    deblur.select_image(viewer.add_image(big, name="big"))
    meter.reset()
    deblur.run_button.native.click()
    _wait(lambda: not deblur.jobs.busy)
    meter.report(f"Run on {args.big} x {args.big}")

    for mode in ("layers", "folder"):
        train.form.data.value = mode
        if mode == "folder":
            train.form.folder.value, train.form.depth_um.value = str(root), 34.0
        else:
            train.oof.value = stack
        _tiny(train, tmp / f"run-{mode}", args.steps)
        meter.reset()
        train.start()
        _wait(lambda: train.worker is None)
        meter.report(f"training ({'z-stack layer' if mode == 'layers' else 'folder'})")
    viewer.close()


if __name__ == "__main__":
    main()
