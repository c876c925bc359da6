"""Screenshots of real napari windows for the README and docs (run under Xvfb).

    xvfb-run -a python scripts/screenshots.py [--model DIR] [--out docs/images]

Opens the demo window (simulated sample field, both widgets docked), deblurs the 34 um
image with the model the Deblur widget picks (the nearest bundled one unless ``--model``
names a checkpoint folder), and saves:

- ``screenshot-deblur-before.png``: the 34 um input and the Deblur widget;
- ``screenshot-deblur-after.png``: the deblurred layer added above the input;
- ``screenshot-compare.png``: side-by-side view with PSNR/SSIM against the in-focus layer;
- ``screenshot-train.png``: the Train widget after a short fine-tuning run (live curves
  and the preview layer).

Every picture is a grab of the whole main window (``QWidget.grab``), nothing is drawn
by hand.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

WINDOW_SIZE = (1500, 900)
ROOT = Path(__file__).resolve().parents[1]


def _wait(condition, timeout_s: float = 600.0) -> None:
    from qtpy.QtWidgets import QApplication

    app = QApplication.instance()
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("timed out waiting for the napari window")
        app.processEvents()
        time.sleep(0.02)


def _settle(seconds: float = 0.5) -> None:
    end = time.monotonic() + seconds
    _wait(lambda: time.monotonic() > end)


def _grab(viewer, path: Path) -> None:
    _settle()
    viewer.window._qt_window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _dock(viewer, name: str):
    """The dock wrapper (QDockWidget) of one of our widgets, to raise its tab."""
    widget = viewer.window.dock_widgets[f"{name} (napari-defocus-deblur)"]
    return getattr(widget, "native", widget).parent()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="checkpoint folder instead of auto")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--train-epochs", type=int, default=6)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import napari

    from napari_defocus_deblur.cli.demo import setup_viewer

    viewer = napari.Viewer(title="napari-defocus-deblur", show=True)
    viewer.window._qt_window.resize(*WINDOW_SIZE)
    deblur, train = setup_viewer(viewer)
    if args.model is not None:
        deblur.add_model(args.model)
    choice = deblur.model_choice()
    if choice is None:
        raise SystemExit("no model available: install the zoo or pass --model DIR")
    print(f"deblurring with {choice.name} ({choice.path})")
    source = viewer.layers.selection.active
    viewer.reset_view()
    _grab(viewer, args.out / "screenshot-deblur-before.png")

    deblur.run()
    _wait(lambda: deblur.worker is None)
    result = next(ly for ly in viewer.layers if ly.metadata.get("deblurred_from") == source.name)
    viewer.layers.selection.active = result
    _grab(viewer, args.out / "screenshot-deblur-after.png")

    reference = next(
        ly
        for ly in viewer.layers
        if ly.metadata.get("depth_um") == 0.0
        and ly.metadata.get("channel") == source.metadata.get("channel")
    )
    deblur.compare.reference_picker.set_layer(reference)
    deblur.compare.set_compare(True)
    viewer.reset_view()
    _grab(viewer, args.out / "screenshot-compare.png")
    print("metrics:", deblur.compare.metrics)
    deblur.compare.set_compare(False)

    with tempfile.TemporaryDirectory() as tmp:
        init = train.init_combo.findData(str(choice.path))
        train.init_combo.setCurrentIndex(max(init, 0))
        s = train.settings
        s.epochs_spin.setValue(args.train_epochs)
        s.epoch_steps_spin.setValue(8)
        s.crop_spin.setValue(64)
        s.batch_spin.setValue(4)
        s.lr_spin.setValue(2e-4)
        s.preview_spin.setValue(8)
        train.output_edit.setText(str(Path(tmp) / "fine-tuned"))
        _dock(viewer, "Train deblur model").raise_()
        for layer in viewer.layers:
            layer.visible = layer.name == source.name
        train.start()
        _wait(lambda: train.worker is None)
        preview = viewer.layers["training preview"]
        preview.visible = True
        viewer.layers.selection.active = preview
        viewer.reset_view()
        _grab(viewer, args.out / "screenshot-train.png")
        print("training:", train.status.text())
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
