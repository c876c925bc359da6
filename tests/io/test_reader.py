from __future__ import annotations

import warnings

import numpy as np
import pytest
import tifffile

from napari_defocus_deblur.io.reader import get_reader, read_tiffs
from napari_defocus_deblur.io.tiff import write_tiff
from tests.io._trees import image, make_tree


def _read(path):
    reader = get_reader(str(path))
    assert callable(reader)
    return reader(str(path))


def test_returns_none_for_paths_it_does_not_handle(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "other.png").write_bytes(b"x")
    (tmp_path / "plain.zip").write_bytes(b"not a zip")
    assert get_reader(str(tmp_path / "a.txt")) is None
    assert get_reader(str(tmp_path / "missing.tif")) is None
    assert get_reader(str(tmp_path / "sub")) is None  # a folder without BBBC006 data
    assert get_reader(str(tmp_path / "plain.zip")) is None
    assert get_reader(str(tmp_path / "empty_dir_that_is_missing")) is None
    assert get_reader(12345) is None
    assert get_reader([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]) is None


def test_non_tiff_named_tif_warns_and_is_declined(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"PNG? no, just text")
    with pytest.warns(UserWarning, match=r"cannot open .*bad.tif: .*not a valid TIFF file"):
        assert get_reader(str(bad)) is None


def test_bbbc006_root_gives_lazy_plate_per_channel(tmp_path):
    root = make_tree(tmp_path, planes=(0, 16, 33))
    layers = _read(root)
    assert [k["name"] for _, k, _ in layers] == [
        "BBBC006 w1 Hoechst 33342 (3 fields)",
        "BBBC006 w2 phalloidin (3 fields)",
    ]
    data, kwargs, kind = layers[1]
    assert kind == "image"
    assert data.shape == (3, 3, 12, 16) and data.dtype == np.uint16
    assert hasattr(data, "dask")  # lazy
    assert kwargs["scale"] == (1.0, 33.0, 0.645, 0.645)  # mean plane spacing, µm
    assert kwargs["axis_labels"] == ("field", "z", "y", "x")
    meta = kwargs["metadata"]
    assert meta["planes"] == [0, 16, 33]
    assert meta["stage_offsets_um"] == [-32.0, 0.0, 34.0]
    assert meta["fields"] == ["a01_s1", "a01_s2", "b02_s1"]
    assert meta["well"] == ["a01", "a01", "b02"] and meta["site"] == [1, 2, 1]
    assert meta["channel"] == 2
    assert meta["source_files"][2][1].endswith(".tif")
    np.testing.assert_array_equal(np.asarray(data[2, 2]), image(2, 33, 2))


def test_single_field_plane_folder_and_zip(tmp_path):
    root = make_tree(tmp_path, planes=(16, 21), fields=(("c03", 2),), as_zip=True)
    data, kwargs, _ = _read(root)[0]
    assert data.shape == (2, 12, 16)
    assert kwargs["scale"] == (10.0, 0.645, 0.645)  # planes 16 and 21: 10 µm apart
    assert kwargs["name"] == "c03_s2 w1 Hoechst 33342"
    assert kwargs["metadata"]["well"] == "c03" and kwargs["metadata"]["site"] == 2
    np.testing.assert_array_equal(np.asarray(data[1]), image(0, 21, 1))
    one = _read(root / "BBBC006_v1_images_z_21.zip")
    assert one[0][0].shape == (1, 12, 16)


def test_root_with_only_one_plane(tmp_path):
    root = make_tree(tmp_path, planes=(16,))
    data, kwargs, _ = _read(root / "BBBC006_v1_images_z_16")[0]
    assert data.shape == (3, 1, 12, 16)
    assert kwargs["metadata"]["planes"] == [16]


def test_missing_planes_are_zero_filled_with_warning(tmp_path):
    root = make_tree(tmp_path, planes=(16, 33))
    for f in (root / "BBBC006_v1_images_z_33").glob("*_a01_s2_w1*"):
        f.unlink()
    with pytest.warns(
        UserWarning, match=r"w1: 1 image\(s\) missing, filled with zeros: a01_s2 z_33"
    ):
        layers = _read(root)
    data = layers[0][0]
    assert not np.asarray(data[1, 1]).any()
    np.testing.assert_array_equal(np.asarray(data[1, 0]), image(1, 16, 1))


def test_truncated_and_mismatched_files_are_skipped_with_warning(tmp_path):
    root = make_tree(tmp_path, planes=(16, 21, 33), fields=(("a01", 1),), channels=(1,))
    folder21 = root / "BBBC006_v1_images_z_21"
    bad = next(folder21.iterdir())
    tifffile.imwrite(bad, np.zeros((5, 5), np.uint16))
    path33 = next((root / "BBBC006_v1_images_z_33").iterdir())
    data = path33.read_bytes()
    path33.write_bytes(data[: len(data) - 40])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layers = _read(root)
    text = " ".join(str(w.message) for w in caught)
    assert "skipped 2 image(s)" in text
    assert "shape (5, 5) differs from (12, 16)" in text
    assert "truncated TIFF file" in text
    stack = np.asarray(layers[0][0])
    np.testing.assert_array_equal(stack[0], image(0, 16, 1))
    assert not stack[1].any() and not stack[2].any()


def test_rgb_file_in_a_stack_is_skipped(tmp_path):
    root = make_tree(tmp_path, planes=(16, 33), fields=(("a01", 1),), channels=(1,))
    path = next((root / "BBBC006_v1_images_z_33").iterdir())
    tifffile.imwrite(path, np.zeros((12, 16, 3), np.uint8), photometric="rgb")
    with pytest.warns(UserWarning, match=r"RGB image \(12, 16, 3\) differs"):
        _read(root)


def test_generic_imagej_stack_scale(tmp_path):
    path = tmp_path / "stack.tif"
    tifffile.imwrite(
        path,
        np.zeros((4, 8, 9), np.uint16),
        imagej=True,
        resolution=(2.0, 2.0),
        metadata={"axes": "ZYX", "spacing": 1.5, "unit": "um"},
    )
    ((data, kwargs, _kind),) = _read(path)
    assert data.shape == (4, 8, 9)
    assert kwargs["scale"] == pytest.approx((1.5, 0.5, 0.5))
    assert kwargs["metadata"]["axes"] == "ZYX"


def test_generic_channels_and_rgb(tmp_path):
    tifffile.imwrite(
        tmp_path / "c.tif",
        np.zeros((3, 2, 8, 9), np.uint16),
        imagej=True,
        metadata={"axes": "ZCYX"},
    )
    ((_data, kwargs, _),) = _read(tmp_path / "c.tif")
    assert kwargs["channel_axis"] == 1 and kwargs["name"] == ["c c0", "c c1"]
    assert kwargs["scale"] == (1.0, 1.0, 1.0)
    tifffile.imwrite(tmp_path / "rgb.tif", np.zeros((8, 9, 3), np.uint8), photometric="rgb")
    ((_data, kwargs, _),) = _read(tmp_path / "rgb.tif")
    assert kwargs["rgb"] is True and kwargs["scale"] == (1.0, 1.0)


def test_single_bbbc006_tiff_and_file_list(tmp_path):
    root = make_tree(tmp_path, planes=(33,), fields=(("d04", 1),), channels=(1, 2))
    files = sorted((root / "BBBC006_v1_images_z_33").iterdir())
    ((_data, kwargs, _),) = _read(files[0])
    assert kwargs["name"] == "d04_s1 w1 z33"
    assert kwargs["scale"] == (0.645, 0.645)
    assert kwargs["metadata"]["stage_offset_um"] == 34.0
    reader = get_reader([str(f) for f in files])
    assert [k["metadata"]["channel"] for _, k, _ in reader([str(f) for f in files])] == [1, 2]


def test_real_z00_folder(real_bbbc006):
    layers = _read(real_bbbc006 / "defocus-z00")
    data, kwargs, _ = layers[0]
    assert data.shape == (24, 520, 696)
    assert kwargs["axis_labels"] == ("field", "y", "x")
    plane = np.asarray(data[0])
    assert plane.dtype == np.uint16 and 50 < plane.min() < plane.max() < 4096


def test_manifest_reader_and_sample_contracts(tmp_path):
    npe2 = pytest.importorskip("npe2")
    root = make_tree(tmp_path, planes=(16, 33), fields=(("a01", 1),), channels=(1,))
    pm = npe2.PluginManager.instance()
    pm.discover()
    layers = npe2.read([str(root)], stack=False, plugin_name="napari-defocus-deblur")
    assert len(layers) == 1 and layers[0][0].shape == (2, 12, 16)
    command = pm.get_command("napari-defocus-deblur.make_sample_field")
    assert callable(command.exec) or callable(command.python_name)


def test_a_predict_result_opens_as_the_result_of_its_input(tmp_path):
    """A BBBC006 plane written by ``defocus-deblur predict`` keeps its input's file name:
    its layer is named after the input's layer, which Compare pairs it with, and it no
    longer claims the plane's stage offset (its pixels are deblurred)."""
    from napari_defocus_deblur.inference.files import write_output

    name = "mcf-z-stacks-03212011_a19_s2_w12703a47b-7574-461a-85e2-afc38bc0adae.tif"
    raw_path = tmp_path / "BBBC006_v1_images_z_00" / name
    out_path = tmp_path / "out" / "BBBC006_v1_images_z_00" / name
    write_tiff(raw_path, np.ones((64, 64), np.uint16))
    record = {"model": "bbbc006-unet", "told_um": [32.0], "software": "napari-defocus-deblur 1"}
    write_output(out_path, np.ones((64, 64), np.float32), record)
    [(_, raw, _)] = read_tiffs(raw_path)
    [(_, result, _)] = read_tiffs(out_path)
    assert result["name"] == f"{raw['name']} · deblurred bbbc006-unet"
    assert result["metadata"]["deblurred_from"] == raw["name"]
    assert result["metadata"]["depths_um"] == [32.0]
    assert raw["metadata"]["stage_offset_um"] == -32.0
    assert "stage_offset_um" not in result["metadata"]


def test_a_foreign_json_description_is_not_a_record(tmp_path):
    from napari_defocus_deblur.inference.files import write_output

    path = write_output(tmp_path / "x.tif", np.ones((32, 32), np.float32), {"model": "other"})
    [(_, kwargs, _)] = read_tiffs(path)
    assert "deblur_record" not in kwargs["metadata"] and kwargs["name"] == "x"
