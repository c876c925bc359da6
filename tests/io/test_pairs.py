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
    root = make_tree(tmp_path, planes=(0, 16, 17, 33))
    pairs = P.find_pairs(root, 34)  # real-style tree: the paper's z_00 below z_17
    assert [p.field_id for p in pairs] == ["a01_s1", "a01_s2", "b02_s1"]
    first = pairs[0]
    assert first.depth_um == 34.0 and first.channel == 1
    assert (first.oof_plane, first.in_focus_plane) == (0, 17)
    assert first.oof_path.parent.name.endswith("z_00")
    assert first.in_focus_path.parent.name.endswith("z_17")
    oof, sharp = P.load_pair(first)
    assert oof.dtype == np.float32 and sharp.dtype == np.float32
    assert oof.shape == sharp.shape == (12, 16)
    np.testing.assert_array_equal(oof, image(0, 0, 1))
    np.testing.assert_array_equal(sharp, image(0, 17, 1))
    above = P.find_pairs(root, 34, channel=2, reference_plane=16, side="above")
    assert (above[2].oof_plane, above[2].in_focus_plane) == (33, 16)
    np.testing.assert_array_equal(P.load_pair(above[2])[0], image(2, 33, 2))
    np.testing.assert_array_equal(P.load_pair(above[2])[1], image(2, 16, 2))
    below16 = P.find_pairs(root, 32, reference_plane=16)
    assert (below16[0].oof_plane, below16[0].in_focus_plane) == (0, 16)


def test_pairing_is_recorded_and_printed(tmp_path):
    from napari_defocus_deblur.io.pairing import pairing_of

    root = make_tree(tmp_path, planes=(0, 17))
    pairing = pairing_of(P.find_pairs(root, 34))
    assert pairing.text() == "paired z_00 (34 µm below z_17) with z_17 for 3 fields, channel w1"
    assert pairing.to_dict() == {
        "depth_um": 34.0,
        "blurred_plane": 0,
        "reference_plane": 17,
        "n_fields": 3,
        "channel": 1,
        "side": "below",
    }


def test_out_of_range_plane_is_refused_in_one_line(tmp_path):
    root = make_tree(tmp_path, planes=(0, 16))
    with pytest.raises(UserInputError) as err:
        P.find_pairs(root, 34, reference_plane=16)
    assert str(err.value) == (
        "34 µm below z_16 is outside BBBC006 (z_00 is 32 µm below z_16); use "
        "--reference-plane 17 for the paper's 34 µm (z_00 vs z_17)"
    )
    with pytest.raises(UserInputError, match=r"36 µm above z_16 is outside BBBC006 \(z_33 is"):
        P.find_pairs(root, 36, reference_plane=16, side="above")
    with pytest.raises(UserInputError, match=r"within 0\.\.33, got 34"):
        P.find_pairs(root, 2, reference_plane=34)
    with pytest.raises(UserInputError, match="side must be 'below' or 'above'"):
        P.find_pairs(root, 2, side="up")


def test_default_reference_plane_is_the_data_focus(tmp_path):
    from napari_defocus_deblur.io.pairing import data_focus_plane

    real = make_tree(tmp_path / "real", planes=(0, 1, 16, 17))
    assert data_focus_plane(real) == 17
    assert P.find_pairs(real, 32)[0].oof_plane == 1  # 32 um below the paper's z_17
    sim = make_tree(tmp_path / "sim", planes=(0, 16, 17))
    (sim / "simulation.json").write_text('{"in_focus_plane": 16}')
    assert data_focus_plane(sim) == 16
    assert (P.find_pairs(sim, 32)[0].oof_plane, P.find_pairs(sim, 32)[0].in_focus_plane) == (0, 16)
    (sim / "simulation.json").write_text('{"seed": 0}')  # written before the key existed
    assert data_focus_plane(sim) == 16
    (sim / "simulation.json").write_text("{not json")
    with pytest.raises(UserInputError, match="not a readable simulation record"):
        P.find_pairs(sim, 32)


def test_find_pairs_in_zip_archives(tmp_path):
    root = make_tree(tmp_path, planes=(7, 17), as_zip=True)
    pairs = P.find_pairs(root, 20)
    oof, _sharp = P.load_pair(pairs[1])
    np.testing.assert_array_equal(oof, image(1, 7, 1))


def test_root_with_only_one_plane(tmp_path):
    root = make_tree(tmp_path, planes=(17,))
    with pytest.raises(UserInputError, match=r"no images for 34 µm below z_17 \(plane z_00\)"):
        P.find_pairs(root, 34)
    only_oof = make_tree(tmp_path / "b", planes=(0, 16))
    with pytest.raises(UserInputError, match=r"no reference plane z_17 .*--reference-plane"):
        P.find_pairs(only_oof, 34)


def test_bad_depths_and_channel(tmp_path):
    root = make_tree(tmp_path, planes=(0, 17), channels=(1,))
    with pytest.raises(UserInputError, match="not a multiple of the z step 2 um"):
        P.find_pairs(root, 33)
    with pytest.raises(UserInputError, match="non-zero"):
        P.find_pairs(root, 0)
    with pytest.raises(UserInputError, match="positive distance from focus, got -34 µm"):
        P.find_pairs(root, -34)
    with pytest.raises(UserInputError, match=r"no channel w2 images .*channels found: w1"):
        P.find_pairs(root, 34, channel=2)


def test_empty_folder(tmp_path):
    with pytest.raises(UserInputError, match="no BBBC006 images found"):
        P.find_pairs(tmp_path, 34)


def test_fields_missing_a_plane_are_skipped_with_warning(tmp_path):
    root = make_tree(tmp_path, planes=(0, 17))
    for f in (root / "BBBC006_v1_images_z_00").glob("*_b02_s1_w1*"):
        f.unlink()
    with pytest.warns(UserWarning, match=r"1 field\(s\) lack plane z_00 or z_17.*b02_s1"):
        pairs = P.find_pairs(root, 34)
    assert [p.field_id for p in pairs] == ["a01_s1", "a01_s2"]


def test_load_pair_mismatched_shapes_and_rgb(tmp_path):
    root = make_tree(tmp_path, planes=(0, 17), fields=(("a01", 1),), channels=(1,))
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


def test_bbbc006_options_are_refused_for_z_stacks(tmp_path):
    tifffile.imwrite(tmp_path / "cellA.tif", _stack(3), imagej=True, metadata={"axes": "ZYX"})
    assert len(P.discover_pairs(tmp_path, 4.0)) == 1
    with pytest.raises(UserInputError, match="--reference-plane and --side apply to BBBC006"):
        P.discover_pairs(tmp_path, 4.0, reference_plane=17)


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


def test_one_rule_for_distances_and_planes():
    from napari_defocus_deblur.constants import depth_to_plane, pair_planes

    assert [pair_planes(d, 17)[0] for d in (34, 28, 22, 16, 10)] == [0, 3, 6, 9, 12]
    assert pair_planes(32, 16) == (0, 16) and pair_planes(34, 16, "above") == (33, 16)
    assert depth_to_plane(34) == 33 and depth_to_plane(32, above=False) == 0
