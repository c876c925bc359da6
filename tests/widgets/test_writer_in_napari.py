"""napari saves a layer with the plugin's writer when the user picks its file type or
its ``.deblurred.tif`` name, and with its own TIFF writer otherwise."""

from __future__ import annotations

import numpy as np

from napari_defocus_deblur.io.reader import read_tiffs
from tests.test_writer import RESULT_METADATA


def test_napari_saves_with_this_writer_only_when_it_is_chosen(make_napari_viewer, tmp_path):
    import tifffile

    viewer = make_napari_viewer()
    layer = viewer.add_image(
        np.ones((32, 32), np.float32),
        name="w1 · deblurred 30 µm sum",
        scale=(0.645, 0.645),
        metadata=RESULT_METADATA,
    )
    viewer.layers.selection = {layer}
    [chosen] = viewer.layers.save(str(tmp_path / "w1.deblurred.tif"))
    assert read_tiffs(chosen)[0][1]["metadata"]["deblurred_from"] == "w1"
    [named] = viewer.layers.save(str(tmp_path / "w1"), plugin="napari-defocus-deblur")
    assert named.endswith("w1.deblurred.tif")
    assert read_tiffs(named)[0][1]["metadata"]["deblurred_from"] == "w1"
    [plain] = viewer.layers.save(str(tmp_path / "plain.tif"))  # napari's builtin stays default
    assert "deblurred_from" not in tifffile.TiffFile(plain).pages.first.description
