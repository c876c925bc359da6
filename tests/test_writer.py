"""The plugin's writer: a deblurred layer saved as a TIFF opens again as that result."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.reader import read_tiffs
from napari_defocus_deblur.writer import RESULT_EXTENSIONS, pixel_size_um, write_deblurred

RESULT_METADATA = {
    "deblurred_from": "w1",
    "depths_um": [np.float64(28.375)],
    "stage_um": [30.0],
    "sides": ["above"],
    "estimated": False,
    "confidences": [],
    "fusion": "sum",
    "models": ["/models/bbbc006-unet"],
    "plane": None,
}


def _meta(name="w1 · deblurred 30 µm above focus sum", **extra):
    return {"name": name, "scale": (0.645, 0.645), "metadata": RESULT_METADATA, **extra}


def test_a_saved_result_opens_as_the_result_it_was(tmp_path):
    image = np.random.default_rng(0).random((40, 48)).astype(np.float32) * 900
    written = write_deblurred(str(tmp_path / "result"), image, _meta())
    assert written == [str(tmp_path / "result.deblurred.tif")]  # the suffix is added
    [(data, kwargs, kind)] = read_tiffs(written[0])
    np.testing.assert_array_equal(data, image)  # float32 as computed, losslessly
    assert kind == "image" and data.dtype == np.float32
    assert kwargs["name"] == "w1 · deblurred 30 µm above focus sum"
    assert kwargs["scale"] == pytest.approx((0.645, 0.645))
    metadata = kwargs["metadata"]
    assert metadata["deblurred_from"] == "w1"  # Compare pairs it with layer "w1" again
    assert metadata["depths_um"] == [28.375] and metadata["stage_um"] == [30.0]
    assert metadata["sides"] == ["above"] and metadata["fusion"] == "sum"
    assert metadata["deblur_record"]["software"].startswith("napari-defocus-deblur")


def test_a_plain_layer_is_saved_without_a_record(tmp_path):
    stack = np.arange(3 * 20 * 24, dtype=np.uint16).reshape(3, 20, 24)
    meta = {"name": "stack", "scale": (2.0, 1.0, 1.0), "metadata": {}}
    [path] = write_deblurred(str(tmp_path / "stack.tiff"), stack, meta)
    [(data, kwargs, _)] = read_tiffs(path)
    np.testing.assert_array_equal(data, stack)
    assert "deblurred_from" not in kwargs["metadata"]
    assert kwargs["metadata"]["axes"] == "ZYX"


def test_multiscale_layers_save_their_full_resolution(tmp_path):
    levels = [np.ones((32, 32), np.float32), np.ones((16, 16), np.float32)]
    [path] = write_deblurred(str(tmp_path / "m.tif"), levels, _meta(multiscale=True))
    assert read_tiffs(path)[0][0].shape == (32, 32)


@pytest.mark.parametrize(
    ("data", "extra", "message"),
    [
        (np.zeros((16, 16, 3), np.uint8), {"rgb": True}, "grey-level"),
        (np.full((16, 16), np.nan, np.float32), {}, "NaN or infinite"),
    ],
)
def test_what_cannot_be_saved_is_refused_and_nothing_is_written(tmp_path, data, extra, message):
    with pytest.raises(UserInputError, match=message):
        write_deblurred(str(tmp_path / "x.tif"), data, _meta(**extra))
    assert list(tmp_path.iterdir()) == []


def test_pixel_size_comes_from_metadata_or_a_square_non_default_scale():
    assert pixel_size_um((1.0, 1.0), {}) is None  # napari's default says nothing
    assert pixel_size_um((0.645, 0.645), {}) == 0.645
    assert pixel_size_um((2.0, 0.5, 0.5), {}) == 0.5
    assert pixel_size_um((0.5, 0.6), {}) is None
    assert pixel_size_um((1.0, 1.0), {"pixel_size_um": 0.645}) == 0.645


@pytest.mark.parametrize("ours_first", [True, False])
def test_plain_tif_stays_napari_s_whatever_order_plugins_are_found_in(ours_first):
    from importlib.resources import files

    from npe2 import PluginManager, PluginManifest

    napari_builtins = PluginManager.instance()
    napari_builtins.discover()
    manifests = [
        PluginManifest.from_file(files("napari_defocus_deblur") / "napari.yaml"),
        napari_builtins.get_manifest("napari"),
    ]
    [ours] = manifests[0].contributions.writers
    assert tuple(ours.filename_extensions) == RESULT_EXTENSIONS  # one list, two places
    plugins = PluginManager()  # a fresh registry: discovery order is ours to set here
    for manifest in manifests if ours_first else manifests[::-1]:
        plugins.register(manifest)

    def writer_of(name: str) -> str:
        writer, _ = plugins.get_writer(name, layer_types=["image"])
        return writer.command

    assert writer_of("plain.tif") == "napari.write_image"
    assert writer_of("plain.tiff") == "napari.write_image"
    assert writer_of("result.deblurred.tif") == "napari-defocus-deblur.write_deblurred"
    assert writer_of("result.deblurred.tiff") == "napari-defocus-deblur.write_deblurred"
