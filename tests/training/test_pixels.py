"""Training images of finer pixels are binned onto BBBC006's grid, and the record says so."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.tiff import read_header
from napari_defocus_deblur.training import TrainingData
from napari_defocus_deblur.training.pixels import (
    grid_note,
    needs_grid,
    pair_on_grid,
    training_pixel_size,
)
from tests.training.helpers import blob_pairs, write_z_stacks


def block_mean(image: np.ndarray, b: int) -> np.ndarray:
    rows, cols = image.shape[0] // b, image.shape[1] // b
    return image[: rows * b, : cols * b].reshape(rows, b, cols, b).mean(axis=(1, 3))


def test_the_pixel_size_stated_wins_then_a_finer_recorded_one():
    assert training_pixel_size(0.2, 0.3225) == 0.2
    assert training_pixel_size(None, 0.3225) == 0.3225
    assert training_pixel_size(None, 1.29) is None  # coarser recorded: not acted on
    assert training_pixel_size(1.29, None) == 1.29  # ... unless stated
    assert training_pixel_size(None, 0.6) is None  # BBBC006's, within the tolerance
    assert training_pixel_size(None, "0.3") is None and training_pixel_size(None) is None


def test_a_pair_of_finer_pixels_is_binned_block_by_block():
    rng = np.random.default_rng(0)
    oof, sharp = rng.random((64, 96)), rng.random((64, 96))
    binned_oof, binned_sharp = pair_on_grid(oof, sharp, 0.3225)
    assert binned_oof.shape == binned_sharp.shape == (32, 48)
    np.testing.assert_allclose(binned_oof, block_mean(oof, 2), atol=1e-5)
    np.testing.assert_allclose(binned_sharp, block_mean(sharp, 2), atol=1e-5)
    same = pair_on_grid(oof, sharp, 0.7)
    assert same[0] is oof and same[1] is sharp  # within the tolerance of BBBC006's
    assert pair_on_grid(oof, sharp, None)[0] is oof
    with pytest.raises(UserInputError, match="too coarse for the networks"):
        pair_on_grid(oof, sharp, 2.5)


def test_grid_notes_say_how_the_pixels_were_sampled():
    assert grid_note(0.3225, True) == (
        "the images' 0.3225 µm pixels binned 2 x 2 onto BBBC006's 0.645 µm grid"
    )
    assert "interpolated" in grid_note(1.29, True)
    assert grid_note(0.3225, False) == "training on the images' own 0.3225 µm pixels"
    assert grid_note(None, False) == grid_note(0.645, False) == ""
    assert needs_grid(0.3225) and not needs_grid(None) and not needs_grid(0.645)


def test_arrays_of_finer_pixels_train_on_the_grid_or_on_their_own():
    blurred, sharp = blob_pairs(4, (64, 80), seed=1)
    binned = TrainingData.from_arrays(blurred, sharp, pixel_size_um=0.3225)
    assert {f.shape for f in binned.train + binned.val} == {(32, 40)}
    assert binned.describe()["pixel_size_um"] == 0.3225
    assert binned.describe()["on_bbbc006_grid"] is True
    field = binned.val[0]
    i = int(field.field_id.removeprefix("field_"))
    raw = field.oof * (field.hi - field.lo) + field.lo
    np.testing.assert_allclose(raw, block_mean(blurred[i], 2), atol=1e-3)
    own = TrainingData.from_arrays(blurred, sharp, pixel_size_um=0.3225, regrid=False)
    assert {f.shape for f in own.train + own.val} == {(64, 80)}
    assert own.describe()["on_bbbc006_grid"] is False and own.grid_note().startswith("training")
    plain = TrainingData.from_arrays(blurred, sharp)
    assert plain.describe()["pixel_size_um"] is None and not plain.on_grid


def test_a_folder_of_z_stacks_is_read_at_the_pixel_size_its_files_record(tmp_path):
    write_z_stacks(tmp_path / "fine", 0.3225)
    assert read_header(tmp_path / "fine" / "field0.tif")["pixel_size_um"] == pytest.approx(0.3225)
    recorded = TrainingData.from_dataset(tmp_path / "fine", 2.0, in_focus_index=1)
    assert recorded.pixel_size_um == pytest.approx(0.3225) and recorded.on_grid
    assert {f.shape for f in recorded.train + recorded.val} == {(32, 36)}
    stated = TrainingData.from_dataset(
        tmp_path / "fine", [2.0, 4.0], in_focus_index=1, pixel_size_um=0.215
    )  # pooled distances keep the stated size: binned 3 x 3
    assert stated.pixel_size_um == 0.215 and {f.shape for f in stated.train} == {(22, 24)}
    write_z_stacks(tmp_path / "plain", None)
    plain = TrainingData.from_dataset(tmp_path / "plain", 2.0, in_focus_index=1)
    assert plain.pixel_size_um is None and {f.shape for f in plain.train} == {(64, 72)}
