"""TrainingData: split by field, consistent normalisation and augmentation, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.tiff import write_tiff
from napari_defocus_deblur.training import TrainingData
from tests.training.helpers import blob_pairs, simulated_set


def test_validation_fields_are_disjoint_and_deterministic():
    oof, sharp = blob_pairs(10, (32, 32))
    a = TrainingData.from_arrays(oof, sharp, val_fraction=0.2, seed=5)
    b = TrainingData.from_arrays(oof, sharp, val_fraction=0.2, seed=5)
    train_ids = {f.field_id for f in a.train}
    val_ids = {f.field_id for f in a.val}
    assert len(val_ids) == 2 and len(train_ids) == 8 and not train_ids & val_ids
    assert val_ids == {f.field_id for f in b.val}
    val_pixels = {f.oof.tobytes() for f in a.val}
    assert not val_pixels & {f.oof.tobytes() for f in a.train}


def test_target_uses_the_inputs_percentiles():
    oof, sharp = blob_pairs(3, (40, 40))
    data = TrainingData.from_arrays(oof, sharp)
    for f in data.train + data.val:
        lo, hi = np.percentile(oof[int(f.field_id[-4:])], [1.0, 99.8])
        assert (f.lo, f.hi) == pytest.approx((lo, hi))
        np.testing.assert_allclose(
            f.target * (hi - lo) + lo, sharp[int(f.field_id[-4:])], rtol=1e-5
        )


def test_crops_are_seeded_and_augmented_identically():
    rng = np.random.default_rng(0)
    base = [rng.uniform(100, 200, (48, 40)).astype(np.float32) for _ in range(4)]
    data = TrainingData.from_arrays(base, [2 * b for b in base], val_fraction=0.25)
    x1, y1 = data.sample(np.random.default_rng(7), 16, 24)
    x2, y2 = data.sample(np.random.default_rng(7), 16, 24)
    assert x1.shape == (16, 1, 24, 24) and x1.dtype == np.float32
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    # target = 2 * input in camera units -> y = 2x + lo/(hi-lo) per crop: same geometry
    resid = y1 - 2 * x1
    assert np.ptp(resid, axis=(1, 2, 3)).max() < 1e-4
    x3, _ = data.sample(np.random.default_rng(8), 16, 24)
    assert not np.array_equal(x1, x3)


def test_bad_arrays_give_clear_errors():
    oof, sharp = blob_pairs(2, (32, 32))
    with pytest.raises(UserInputError, match="at least 2"):
        TrainingData.from_arrays(oof[:1], sharp[:1])
    with pytest.raises(UserInputError, match="differ in shape"):
        TrainingData.from_arrays(oof, [sharp[0], sharp[1][:30]])
    with pytest.raises(UserInputError, match="pair up"):
        TrainingData.from_arrays(oof, sharp[:1])
    data = TrainingData.from_arrays(oof, sharp)
    with pytest.raises(UserInputError, match="larger than the smallest"):
        data.sample(np.random.default_rng(0), 2, 48)


@pytest.fixture(scope="module")
def sim_root(tmp_path_factory):
    return simulated_set(tmp_path_factory.mktemp("sim") / "bbbc", n_fields=10)


def test_from_dataset_excludes_test_and_val_fields(sim_root):
    from napari_defocus_deblur.io.pairs import find_pairs, split_by_field

    data = TrainingData.from_dataset(sim_root, 10, val_fraction=0.1, seed=0)
    split = split_by_field(find_pairs(sim_root, 10), 0.1, 0.1, seed=0)
    assert {f.field_id for f in data.val} == {p.field_id for p in split.val}
    assert set(data.test_fields) == {p.field_id for p in split.test} != set()
    train_ids = {f.field_id for f in data.train}
    assert not train_ids & (set(data.test_fields) | {f.field_id for f in data.val})
    assert data.depth_um == 10.0 and data.describe()["n_train_fields"] == 8


def test_dataset_errors(sim_root, tmp_path):
    with pytest.raises(UserInputError, match=r"no images for 20 µm below z_16 \(plane z_06\)"):
        TrainingData.from_dataset(sim_root, 20)
    with pytest.raises(UserInputError, match="34 µm below z_16 is outside BBBC006"):
        TrainingData.from_dataset(sim_root, 34)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserInputError, match="is empty"):
        TrainingData.from_dataset(empty, 10)
    with pytest.raises(UserInputError, match="not found"):
        TrainingData.from_dataset(tmp_path / "nope", 10)
    single = simulated_set(tmp_path / "one", n_fields=1, shape=(32, 32))
    with pytest.raises(UserInputError, match="found only 1 field pair"):
        TrainingData.from_dataset(single, 10)


def test_mismatched_pair_shapes_in_a_dataset(tmp_path):
    root = simulated_set(tmp_path / "bad", n_fields=3, shape=(32, 32))
    for victim in (root / "BBBC006_v1_images_z_11").iterdir():
        write_tiff(victim, np.zeros((30, 32), dtype=np.uint16))
    with pytest.raises(UserInputError, match="differ in shape"):
        TrainingData.from_dataset(root, 10)


def test_from_a_folder_of_z_stacks(tmp_path):
    from scipy.ndimage import gaussian_filter

    _, sharp = blob_pairs(4, (40, 48), seed=2)
    for i, img in enumerate(sharp):
        stack = np.stack([gaussian_filter(img, s) for s in (1.5, 0.0, 1.5, 3.0, 4.5)])
        write_tiff(tmp_path / f"field{i}.tif", stack.astype(np.uint16))
    data = TrainingData.from_dataset(tmp_path, 4.0, in_focus_index=1, test_fraction=0.1)
    assert len(data.train) == 2 and len(data.val) == 1 and len(data.test_fields) == 1
    field = data.val[0]
    i = int(field.field_id.removeprefix("field"))
    np.testing.assert_allclose(
        field.target * (field.hi - field.lo) + field.lo, sharp[i].astype(np.uint16), atol=1e-2
    )


def test_pooled_distances_keep_the_field_split(tmp_path):
    from napari_defocus_deblur.io.pairs import find_pairs, split_by_field

    root = simulated_set(tmp_path / "pooled", n_fields=10, planes=(0, 11, 16), shape=(40, 48))
    data = TrainingData.from_dataset(root, [10, 32], val_fraction=0.1, seed=0)
    assert data.depth_um is None and data.depths_um == (10.0, 32.0)
    split = split_by_field(find_pairs(root, 10), 0.1, 0.1, seed=0)
    train_fields = {f.field_id.split("@")[0] for f in data.train}
    val_fields = {f.field_id.split("@")[0] for f in data.val}
    assert val_fields == {p.field_id for p in split.val}
    assert not train_fields & (val_fields | set(data.test_fields))
    assert len(data.train) == 2 * 8 and len(data.val) == 2
    assert {f.field_id.split("@")[1] for f in data.train} == {"10um", "32um"}
    assert data.describe()["depths_um"] == [10.0, 32.0]
    pairing = data.describe()["pairing"]
    assert [(p["blurred_plane"], p["reference_plane"], p["side"]) for p in pairing] == [
        (11, 16, "below"),
        (0, 16, "below"),
    ]
    one = TrainingData.from_dataset(root, [32], val_fraction=0.1, seed=0)
    assert one.depth_um == 32.0 and one.depths_um is None


def test_sampling_can_return_each_crops_side_of_focus_without_changing_the_crops():
    from napari_defocus_deblur.training.fields import Field

    def field(name: str, value: float, above: bool) -> Field:
        image = np.full((48, 48), value, np.float32)
        return Field(name, image, image, 0.0, 1.0, 10.0, above)

    train = [field("a", 1.0, True), field("b", 0.0, False), field("c", 0.5, False)]
    data = TrainingData(train, [field("v", 0.0, False)])
    plain = data.sample(np.random.default_rng(2), 40, 32, with_depth=True)
    *crops, sides = data.sample(np.random.default_rng(2), 40, 32, with_depth=True, with_side=True)
    for a, b in zip(plain, crops, strict=True):
        np.testing.assert_array_equal(a, b)
    assert sides.dtype == bool and sides.shape == (40,)
    np.testing.assert_array_equal(sides, crops[0][:, 0, 0, 0] == 1.0)  # field "a" only
    assert 0 < sides.sum() < 40
    *_, only_side = data.sample(np.random.default_rng(2), 40, 32, with_side=True)
    np.testing.assert_array_equal(only_side, sides)


def test_bbbc006_pairs_above_focus_are_marked_so(tmp_path):
    root = simulated_set(tmp_path, planes=(11, 16, 21))
    below = TrainingData.from_dataset(root, 10, val_fraction=0.2, test_fraction=0.0)
    above = TrainingData.from_dataset(root, 10, side="above", val_fraction=0.2, test_fraction=0.0)
    assert not any(f.above_focus for f in below.train + below.val)
    assert all(f.above_focus for f in above.train + above.val)
