"""Fixtures for the dock-widget tests (run under Xvfb through pytest-xvfb)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("qtpy")

PLUGIN = "napari-defocus-deblur"


@pytest.fixture(autouse=True)
def _empty_registry(monkeypatch, tmp_path):
    """Session models of one test must not leak into the next; no user models folder;
    last-used settings (magicgui ``persist``) in a fresh cache folder."""
    from napari_defocus_deblur.widgets._registry import MODELS_DIR_ENV, registry

    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "user-models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    registry.clear()
    yield
    registry.clear()


@pytest.fixture
def notes(monkeypatch):
    """Messages sent to napari notifications, by kind (error / warning / info)."""
    from napari.utils import notifications

    seen: dict[str, list[str]] = {"error": [], "warning": [], "info": []}
    for kind in seen:
        monkeypatch.setattr(notifications, f"show_{kind}", seen[kind].append)
    return seen


def make_checkpoint(
    directory: Path,
    depth_um: float | None,
    seed: int = 0,
    *,
    channel: int = 1,
    condition: str = "none",
    depths_um: tuple[float, ...] | None = None,
) -> Path:
    """A random 2-scale, 8-channel summation network saved for ``depth_um``.

    ``condition="depth"`` makes a depth-conditioned network (its output depends on the
    depth it is told); ``channel`` is recorded in its ``config.json``.
    """
    import torch

    from napari_defocus_deblur.model import build_model
    from napari_defocus_deblur.model.checkpoint import save_checkpoint
    from napari_defocus_deblur.normalization import PercentileNormalization

    torch.manual_seed(seed)
    options = {"condition": condition} if condition != "none" else {}
    model = build_model(2, base_channels=8, levels=3, **options)
    info = {
        "depth_um": depth_um,
        "fusion": "sum",
        "channel": channel,
        "normalization": PercentileNormalization().to_dict(),
    }
    if depths_um is not None:
        info["depths_um"] = list(depths_um)
    return save_checkpoint(model, directory, info=info)


@pytest.fixture
def sharp_and_blurred() -> tuple[np.ndarray, np.ndarray]:
    """A 96 x 96 synthetic in-focus image and a Gaussian-blurred copy (float32)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(0)
    sharp = gaussian_filter(rng.random((96, 96)), 1.5) * 1000 + 100
    blurred = gaussian_filter(sharp, 3)
    return sharp.astype(np.float32), blurred.astype(np.float32)


@pytest.fixture
def tiny_checkpoint(tmp_path) -> Path:
    """A random 2-scale, 8-channel network saved as a 34 um summation checkpoint."""
    return make_checkpoint(tmp_path / "tiny-34um", 34.0)


def dock(viewer, name: str):
    """Dock one of our widgets through the manifest; returns the widget."""
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, name)
    return widget


def tiny_training(widget, output: Path, *, epochs: int = 2, epoch_steps: int = 2) -> None:
    """Set the Train widget to a few-second run of a tiny network from scratch."""
    a = widget.advanced
    widget.form.start_from.value = "scratch"
    a.scales.value = 2
    a.base_channels.value = 8
    a.levels.value = 3
    a.epochs.value = epochs
    a.epoch_steps.value = epoch_steps
    a.crop.value = 32
    a.batch.value = 2
    a.val_fraction.value = 0.25
    a.preview_every.value = 1
    a.device.value = "cpu"
    a.output.value = str(output)


def settle(qtbot, ms: int = 50) -> None:
    """Let queued Qt events run (timers at 0 ms, deferred layouts)."""
    qtbot.wait(ms)
