"""Screenshots of real napari windows for the README and docs/napari.md (run under Xvfb).

    xvfb-run -a -s "-screen 0 1440x900x24" python scripts/screenshots.py [--out docs/images]
        [--states deblur microscope train stack]

Opens the window exactly as ``defocus-deblur demo`` does (simulated sample field, both
widgets docked as tabs, sized to the screen, camera reset), with fresh widget settings,
and saves one picture per state a new user meets:

- ``screenshot-deblur-before.png``: the 34 µm nuclei image and the Deblur widget;
- ``screenshot-deblur-after.png``: after Run: the restored layer and its status line;
- ``screenshot-compare.png``: the labelled side-by-side view with PSNR/SSIM;
- ``screenshot-channel.png``: the phalloidin (w2) image picked: the channel warning;
- ``screenshot-deblur-microscope.png``: the microscope fields ticked (20x/0.75, 0.65 µm
  pixels) and the sample deblurred for 10 µm of stage offset on it;
- ``screenshot-train.png``: the Train widget after a short fine-tuning run (curves and the
  preview on the data);
- ``screenshot-train-stack.png``: a simulated BBBC006 folder opened with the reader: the
  Train widget proposes the w1 z-stack, its in-focus plane and the pairs it will build;
- ``screenshot-train-folder.png``: the same folder in folder mode: reference plane (auto:
  the data's focus z_16), side (above) and the pairing line the ``train`` command prints.

The screen size is the user's (1440 x 900 above: a common laptop); every picture is a
grab of the whole main window (``QWidget.grab``), nothing is drawn by hand.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The pictures' groups (``--states``), in the order they are taken.
STATES = ("deblur", "microscope", "train", "stack")


def _wait(condition, timeout_s: float = 900.0) -> None:
    from qtpy.QtWidgets import QApplication

    app = QApplication.instance()
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("timed out waiting for the napari window")
        app.processEvents()
        time.sleep(0.02)


def _settle(seconds: float = 0.7) -> None:
    end = time.monotonic() + seconds
    _wait(lambda: time.monotonic() > end)


def _grab(viewer, path: Path) -> None:
    _settle()
    viewer.window._qt_window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _raise(viewer, name: str) -> None:
    """Bring one of our tabbed docks to the front."""
    widget = viewer.window.dock_widgets[f"{name} (napari-defocus-deblur)"]
    getattr(widget, "native", widget).parent().raise_()
    _settle(0.3)


def _deblur_states(viewer, deblur, out: Path) -> None:
    source = deblur.image.value
    _raise(viewer, "Deblur")
    _grab(viewer, out / "screenshot-deblur-before.png")
    deblur.run()
    _wait(lambda: not deblur.jobs.busy and deblur.compare.verdict is not None)
    print("status:", deblur.status.value)
    _grab(viewer, out / "screenshot-deblur-after.png")
    deblur.compare.set_compare(True)
    _grab(viewer, out / "screenshot-compare.png")
    print("metrics:", deblur.compare.metrics)
    deblur.compare.set_compare(False)
    phalloidin = viewer.layers["w2 phalloidin 34 µm"]
    deblur.select_image(phalloidin)
    for layer in viewer.layers:
        layer.visible = layer is phalloidin
    _grab(viewer, out / "screenshot-channel.png")
    print("warning:", deblur.channel_message)
    deblur.select_image(source)
    for layer in viewer.layers:
        layer.visible = layer is source


def _microscope_state(viewer, deblur, out: Path) -> None:
    """The microscope fields ticked (a 20x/0.75 dry objective, 13 µm camera pixels), the
    distance set by hand: what the run plan told the network is in the status line."""
    form = deblur.settings
    form.depth_source.value = "manual"
    form.depth_um.value = 10.0
    form.own_microscope.value = True
    form.na.value, form.pixel_size_um.value = 0.75, 0.65
    _raise(viewer, "Deblur")
    deblur.run()
    _wait(lambda: not deblur.jobs.busy)
    _grab(viewer, out / "screenshot-deblur-microscope.png")
    print("microscope:", deblur.status.value)
    form.own_microscope.value = False
    form.depth_source.value = "metadata"


def _train_state(viewer, train, out: Path, epochs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        train.advanced.epochs.value = epochs  # within the default time budget
        train.advanced.epoch_steps.value = 3
        train.advanced.preview_every.value = 3
        train.advanced.lr.value = 2e-4
        train.advanced.output.value = str(Path(tmp) / "fine-tuned")
        _raise(viewer, "Train deblur model")
        train.start()
        _wait(lambda: train.worker is None)
        viewer.reset_view()
        _grab(viewer, out / "screenshot-train.png")
        print("training:", train.status.value)


def _stack_state(viewer, train, out: Path) -> None:
    from napari_defocus_deblur.simulate.dataset import write_dataset

    with tempfile.TemporaryDirectory() as tmp:
        root = write_dataset(Path(tmp) / "bbbc006", 4, planes=(16, 33), seed=3)
        for layer in viewer.layers:
            layer.visible = False
        viewer.open(str(root), plugin="napari-defocus-deblur")
        train.choice.auto = True
        train.choose_default_layers()
        viewer.reset_view()
        _raise(viewer, "Train deblur model")
        _grab(viewer, out / "screenshot-train-stack.png")
        print("z-stack:", train.choice.stack.info.value)
        train.form.data.value = "folder"  # the same folder on disk, planes as the CLI pairs
        train.form.folder.value = str(root)
        train.form.side.value = "above"  # z_33 lies 34 µm above the simulated focus z_16
        _wait(lambda: not train.pairing.busy)
        _grab(viewer, out / "screenshot-train-folder.png")
        print("folder:", train.pairing.info.value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--train-epochs", type=int, default=3)
    parser.add_argument(
        "--states", nargs="+", choices=STATES, default=list(STATES), help="pictures to take"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cache = tempfile.mkdtemp(prefix="screenshots-settings-")
    os.environ["XDG_CACHE_HOME"] = cache  # first-start settings, not this machine's

    import napari

    from napari_defocus_deblur.cli.demo import setup_viewer, show_window

    viewer = napari.Viewer(title="napari-defocus-deblur demo", show=False)
    deblur, train = setup_viewer(viewer)
    width, height = show_window(viewer)
    print(f"window {width} x {height}; deblurring with {deblur.model_choice().name}")
    _settle(1.0)
    if "deblur" in args.states:
        _deblur_states(viewer, deblur, args.out)
    if "microscope" in args.states:
        _microscope_state(viewer, deblur, args.out)
    if "train" in args.states:
        _train_state(viewer, train, args.out, args.train_epochs)
    if "stack" in args.states:
        _stack_state(viewer, train, args.out)
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
