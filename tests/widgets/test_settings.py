"""Last-used settings come back in a new session; Restore defaults; the DEFAULTS tables
take their values from the core's single sources."""

from __future__ import annotations

import numpy as np

from tests.widgets.conftest import dock


def _viewer_with_image(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.add_image(np.ones((32, 32), np.float32), name="img")
    return viewer


def test_deblur_settings_are_restored_in_a_new_viewer(make_napari_viewer, tmp_path):
    first = dock(_viewer_with_image(make_napari_viewer), "Deblur")
    first.settings.live_preview.value = False
    first.settings.depth_source.value = "manual"
    first.settings.depth_um.value = 22.5
    first.settings.fusion.value = "concat"
    first.settings.device.value = "cpu"
    assert any((tmp_path / "cache" / "napari-defocus-deblur" / "settings").iterdir())
    second = dock(_viewer_with_image(make_napari_viewer), "Deblur")
    s = second.settings
    assert (s.depth_source.value, s.depth_um.value) == ("manual", 22.5)
    assert (s.fusion.value, s.device.value, s.live_preview.value) == ("concat", "cpu", False)
    assert second.image.value.name == "img"  # layers are never persisted


def test_train_settings_are_restored_and_defaults_come_back(make_napari_viewer):
    from napari_defocus_deblur.widgets._train_form import DEFAULTS

    first = dock(make_napari_viewer(), "Train deblur model")
    first.form.minutes.value = 12.0
    first.advanced.lr.value = 2e-4
    first.advanced.crop.value = 96
    second = dock(make_napari_viewer(), "Train deblur model")
    assert second.form.minutes.value == 12.0
    assert second.advanced.lr.value == 2e-4 and second.advanced.crop.value == 96
    second.defaults_button.native.click()
    assert second.form.minutes.value == DEFAULTS["minutes"]
    assert (second.advanced.lr.value, second.advanced.crop.value) == (
        DEFAULTS["lr"],
        DEFAULTS["crop"],
    )
    third = dock(make_napari_viewer(), "Train deblur model")  # the reset was persisted too
    assert third.form.minutes.value == DEFAULTS["minutes"]


def test_defaults_come_from_the_core():
    from napari_defocus_deblur.training import TrainConfig
    from napari_defocus_deblur.training.defaults import CPU_DEFAULT_MINUTES
    from napari_defocus_deblur.widgets._models import device_choices
    from napari_defocus_deblur.widgets._train_form import DEFAULTS

    plain = TrainConfig(output_dir=".")
    assert (DEFAULTS["lr"], DEFAULTS["crop"], DEFAULTS["val_fraction"]) == (
        plain.lr,
        plain.crop,
        plain.val_fraction,
    )
    assert DEFAULTS["minutes"] == CPU_DEFAULT_MINUTES and DEFAULTS["keep"] == plain.keep
    network = plain.model_options()
    assert {k: DEFAULTS[k] for k in ("scales", "fusion", "base_channels", "levels")} == {
        k: network[k] for k in ("scales", "fusion", "base_channels", "levels")
    }
    labels = dict(device_choices())
    assert next(iter(labels)).startswith("auto (") and labels[next(iter(labels))] == "auto"
    assert "cpu" in labels.values()
