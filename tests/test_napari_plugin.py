"""napari starts (under Xvfb) with the plugin registered and its contributions listed."""

from __future__ import annotations

import pytest

pytest.importorskip("qtpy")


def test_napari_starts_with_plugin_listed(make_napari_viewer):
    from npe2 import PluginManager

    viewer = make_napari_viewer()
    pm = PluginManager.instance()
    assert "napari-defocus-deblur" in {m.name for m in pm.iter_manifests()}
    manifest = pm.get_manifest("napari-defocus-deblur")
    assert manifest.display_name == "Defocus Deblur"
    samples = {s.key for s in manifest.contributions.sample_data}
    assert "simulated_field" in samples
    readers = [r.command for r in manifest.contributions.readers]
    assert readers == ["napari-defocus-deblur.get_reader"]
    writers = [(w.command, w.filename_extensions) for w in manifest.contributions.writers]
    extensions = [".deblurred.tif", ".deblurred.tiff"]
    assert writers == [("napari-defocus-deblur.write_deblurred", extensions)]
    assert viewer.layers == []
