from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from scipy import ndimage

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import pairs as P
from napari_defocus_deblur.io.bbbc006 import format_name
from tests.io._trees import image, make_tree


def test_find_pairs_bbbc006_layout(tmp_path):
    root = make_tree(tmp_path, planes=(0, 16, 33))
    pairs = P.find_pairs(root, 34)
    assert [p.field_id for p in pairs] == ["a01_s1", "a01_s2", "b02_s1"]
    first = pairs[0]
    assert first.depth_um == 34.0 and first.channel == 1
    assert first.oof_path.parent.name.endswith("z_33")
    assert first.in_focus_path.parent.name.endswith("z_16")
    oof, sharp = P.load_pair(first)
    assert oof.dtype == np.float32 and sharp.dtype == np.float32
    assert oof.shape == sharp.shape == (12, 16)
    np.testing.assert_array_equal(oof, image(0, 33, 1))
    np.testing.assert_array_equal(sharp, image(0, 16, 1))
    below = P.find_pairs(root, -32, channel=2)
    assert below[2].oof_path.parent.name.endswith("z_00")
    np.testing.assert_array_equal(P.load_pair(below[2])[0], image(2, 0, 2))


def test_find_pairs_in_zip_archives(tmp_path):
    root = make_tree(tmp_path, planes=(16, 21), as_zip=True)
    pairs = P.find_pairs(root, 10)
    oof, _sharp = P.load_pair(pairs[1])
    np.testing.assert_array_equal(oof, image(1, 21, 1))


def test_root_with_only_one_plane(tmp_path):
    root = make_tree(tmp_path, planes=(16,))
    with pytest.raises(UserInputError, match=r"no images for 34 um \(plane z_33\).*z_16\)"):
        P.find_pairs(root, 34)
    only_oof = make_tree(tmp_path / "b", planes=(33,))
    with pytest.raises(UserInputError, match="no in-focus plane z_16"):
        P.find_pairs(only_oof, 34)


def test_bad_depths_and_channel(tmp_path):
    root = make_tree(tmp_path, planes=(16, 33), channels=(1,))
    with pytest.raises(UserInputError, match="not a multiple of the z step 2 um"):
        P.find_pairs(root, 33)
    with pytest.raises(UserInputError, match="non-zero"):
        P.find_pairs(root, 0)
    with pytest.raises(UserInputError, match=r"no channel w2 images .*channels found: w1"):
        P.find_pairs(root, 34, channel=2)


def test_empty_folder(tmp_path):
    with pytest.raises(UserInputError, match="no BBBC006 images found"):
        P.find_pairs(tmp_path, 34)


def test_fields_missing_a_plane_are_skipped_with_warning(tmp_path):
    root = make_tree(tmp_path, planes=(16, 33))
    for f in (root / "BBBC006_v1_images_z_33").glob("*_b02_s1_w1*"):
        f.unlink()
    with pytest.warns(UserWarning, match=r"1 field\(s\) lack plane z_33.*b02_s1"):
        pairs = P.find_pairs(root, 34)
    assert [p.field_id for p in pairs] == ["a01_s1", "a01_s2"]


def test_load_pair_mismatched_shapes_and_rgb(tmp_path):
    root = make_tree(tmp_path, planes=(16, 33), fields=(("a01", 1),), channels=(1,))
    pair = P.find_pairs(root, 34)[0]
    tifffile.imwrite(pair.oof_path, np.zeros((5, 5), np.uint16))
    with pytest.raises(UserInputError, match=r"a01_s1: out-of-focus image \(5, 5\) .* differ"):
        P.load_pair(pair)
    tifffile.imwrite(pair.oof_path, np.zeros((12, 16, 3), np.uint8), photometric="rgb")
    with pytest.raises(UserInputError, match="RGB image"):
        P.load_pair(pair)
    tifffile.imwrite(pair.oof_path, np.zeros((12, 16), np.uint16))
    pair.in_focus_path.write_bytes(b"garbage")
    with pytest.raises(UserInputError, match="not a valid TIFF"):
        P.load_pair(pair)


def _stack(sharp_index: int, n: int = 9, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = 100 + 1000 * (rng.random((32, 32)) > 0.9)
    return np.stack(
        [ndimage.gaussian_filter(base, 0.2 + 1.2 * abs(i - sharp_index)) for i in range(n)]
    ).astype(np.float32)


def test_focus_measure_finds_sharpest_plane():
    assert P.find_in_focus_index(_stack(3)) == 3
    assert P.focus_measure(np.zeros((8, 8))) == 0.0


def test_find_stack_pairs(tmp_path):
    tifffile.imwrite(tmp_path / "cellA.tif", _stack(3), imagej=True, metadata={"axes": "ZYX"})
    tifffile.imwrite(
        tmp_path / "cellB.tif", _stack(6, seed=1), imagej=True, metadata={"axes": "ZYX"}
    )
    (tmp_path / "notes.txt").write_text("ignored")
    pairs = P.find_stack_pairs(tmp_path, 4.0)
    assert [(p.field_id, p.in_focus_index, p.oof_index) for p in pairs] == [
        ("cellA", 3, 5),
        ("cellB", 6, 8),
    ]
    oof, sharp = P.load_pair(pairs[0])
    np.testing.assert_allclose(sharp, _stack(3)[3])
    np.testing.assert_allclose(oof, _stack(3)[5])
    with pytest.warns(UserWarning, match=r"cellB.tif \(planes 6 and 10 not both in 0..8\)"):
        assert [p.field_id for p in P.find_stack_pairs(tmp_path, 8.0)] == ["cellA"]
    fixed = P.find_stack_pairs(tmp_path, -2.0, in_focus_index=4, z_step_um=1.0)
    assert [(p.in_focus_index, p.oof_index) for p in fixed] == [(4, 2), (4, 2)]


def test_find_stack_pairs_bad_inputs(tmp_path):
    with pytest.raises(UserInputError, match=r"no \.tif/\.tiff z-stacks found"):
        P.find_stack_pairs(tmp_path, 2)
    with pytest.raises(UserInputError, match="not a folder"):
        P.find_stack_pairs(tmp_path / "x", 2)
    tifffile.imwrite(tmp_path / "flat.tif", np.zeros((8, 8), np.uint16))
    with (
        pytest.warns(UserWarning, match="a single 2-D image"),
        pytest.raises(UserInputError, match=r"no z-stack .* reaches 2 um"),
    ):
        P.find_stack_pairs(tmp_path, 2)


def _fake_pairs(n: int, depth: float) -> list[P.FieldPair]:
    out = []
    for i in range(1, n + 1):
        path = Path(format_name(f"a{i:02d}", 1, 1, f"{i:08d}-0000-4000-8000-000000000000"))
        out.append(P.FieldPair(f"a{i:02d}_s1", path, path, depth, 1))
    return out


def test_split_by_field_is_deterministic_and_consistent_across_depths():
    s34 = P.split_by_field(_fake_pairs(50, 34), 0.1, 0.2, seed=3)
    s10 = P.split_by_field(_fake_pairs(50, 10), 0.1, 0.2, seed=3)
    ids = [{p.field_id for p in part} for part in (s34.train, s34.val, s34.test)]
    assert [len(i) for i in ids] == [35, 5, 10]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert ids == [{p.field_id for p in part} for part in (s10.train, s10.val, s10.test)]
    again = P.split_by_field(_fake_pairs(50, 34), 0.1, 0.2, seed=3)
    assert again == s34
    other = P.split_by_field(_fake_pairs(50, 34), 0.1, 0.2, seed=4)
    assert {p.field_id for p in other.test} != ids[2]


def test_split_small_sets_and_bad_fractions():
    split = P.split_by_field(_fake_pairs(4, 34), 0.1, 0.1)
    assert (len(split.train), len(split.val), len(split.test)) == (2, 1, 1)
    with pytest.raises(UserInputError, match="sum to less than 1"):
        P.split_by_field(_fake_pairs(4, 34), 0.6, 0.5)
