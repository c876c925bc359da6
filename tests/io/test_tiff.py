from __future__ import annotations

import zipfile

import numpy as np
import pytest
import tifffile

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import tiff
from napari_defocus_deblur.io.tiff import read_header, read_image, write_tiff


def test_plain_roundtrip_is_lzw_like_bbbc006(tmp_path):
    a = np.arange(12 * 16, dtype=np.uint16).reshape(12, 16)
    path = write_tiff(tmp_path / "x.tif", a)
    with tifffile.TiffFile(path) as t:
        assert t.pages[0].compression == tifffile.COMPRESSION.LZW
        assert not t.is_imagej
    b, meta = read_image(path)
    np.testing.assert_array_equal(a, b)
    assert b.dtype == np.uint16
    assert meta["axes"] == "YX" and meta["format"] == "tiff"
    assert meta["pixel_size_um"] is None and meta["z_step_um"] is None


def test_imagej_stack_keeps_pixel_size_and_z_step(tmp_path):
    stack = np.random.default_rng(0).random((3, 8, 9))
    path = write_tiff(
        tmp_path / "s.tif", stack, metadata={"axes": "ZYX", "pixel_size_um": 0.5, "z_step_um": 2}
    )
    image, meta = read_image(path)
    assert image.shape == (3, 8, 9) and image.dtype == np.float32
    assert meta["axes"] == "ZYX" and meta["format"] == "imagej"
    assert meta["pixel_size_um"] == pytest.approx(0.5)
    assert meta["z_step_um"] == pytest.approx(2.0)
    assert read_header(path)["shape"] == (3, 8, 9)


def test_ome_physical_sizes(tmp_path):
    path = tmp_path / "o.ome.tif"
    tifffile.imwrite(
        path,
        np.zeros((2, 4, 5), np.uint16),
        ome=True,
        metadata={"axes": "ZYX", "PhysicalSizeX": 0.25, "PhysicalSizeZ": 1.5},
    )
    _, meta = read_image(path)
    assert meta["format"] == "ome" and meta["axes"] == "ZYX"
    assert meta["pixel_size_um"] == pytest.approx(0.25)
    assert meta["z_step_um"] == pytest.approx(1.5)


def test_rgb_axes(tmp_path):
    tifffile.imwrite(tmp_path / "rgb.tif", np.zeros((6, 7, 3), np.uint8), photometric="rgb")
    image, meta = read_image(tmp_path / "rgb.tif")
    assert image.shape == (6, 7, 3) and meta["axes"] == "YXS"


def test_non_tiff_named_tif(tmp_path):
    path = tmp_path / "fake.tif"
    path.write_text("this is not an image")
    with pytest.raises(UserInputError, match=r"fake.tif: not a valid TIFF file"):
        read_image(path)
    with pytest.raises(UserInputError, match="not a valid TIFF file"):
        read_header(path)


def test_truncated_tiff(tmp_path):
    path = write_tiff(tmp_path / "t.tif", np.random.default_rng(1).integers(0, 4000, (64, 64)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserInputError, match="truncated TIFF file"):
        read_image(path)
    with pytest.raises(UserInputError, match="truncated TIFF file"):
        read_header(path)


def test_wrong_type_missing_and_folder(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"x")
    with pytest.raises(UserInputError, match=r"unsupported file type '\.jpg'"):
        read_image(tmp_path / "a.jpg")
    with pytest.raises(UserInputError, match="file not found"):
        read_image(tmp_path / "missing.tif")
    (tmp_path / "d.tif").mkdir()
    with pytest.raises(UserInputError, match="is a folder"):
        read_image(tmp_path / "d.tif")


def test_permission_denied(tmp_path, monkeypatch):
    path = write_tiff(tmp_path / "p.tif", np.zeros((4, 4), np.uint16))

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(tifffile, "TiffFile", deny)
    with pytest.raises(UserInputError, match=r"p\.tif: permission denied"):
        read_image(path)


@pytest.mark.skipif(
    not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
    reason="root reads files regardless of permissions",
)
def test_permission_denied_chmod(tmp_path):  # pragma: no cover - not run as root
    path = write_tiff(tmp_path / "p.tif", np.zeros((4, 4), np.uint16))
    path.chmod(0)
    with pytest.raises(UserInputError, match="permission denied"):
        read_image(path)


def test_member_of_zip_archive(tmp_path):
    a = np.full((5, 6), 7, np.uint16)
    src = write_tiff(tmp_path / "m.tif", a)
    with zipfile.ZipFile(tmp_path / "arch.zip", "w") as zf:
        zf.write(src, "folder/m.tif")
    inside = tmp_path / "arch.zip" / "folder" / "m.tif"
    assert tiff.split_zip_path(inside) == (tmp_path / "arch.zip", "folder/m.tif")
    np.testing.assert_array_equal(read_image(inside)[0], a)
    with pytest.raises(UserInputError, match=r"file not found: folder/x\.tif in archive"):
        read_image(tmp_path / "arch.zip" / "folder" / "x.tif")


def test_second_series_reported(tmp_path):
    path = tmp_path / "two.tif"
    with tifffile.TiffWriter(path) as w:
        w.write(np.zeros((4, 4), np.uint16))
        w.write(np.zeros((6, 6), np.uint16))
    image, meta = read_image(path)
    assert image.shape == (4, 4)
    assert "image series 1" in meta["skipped"][0]


def test_real_bbbc006_tiff_and_png(real_bbbc006):
    tif = sorted((real_bbbc006 / "defocus-z00").glob("*.tif"))[0]
    image, meta = read_image(tif)
    assert image.shape == (520, 696) and image.dtype == np.uint16
    assert image.min() > 50 and image.max() < 4096
    png = sorted((real_bbbc006 / "in-focus").glob("*.png"))[0]
    image, meta = read_image(png)
    assert image.shape == (520, 696) and meta["format"] == "png"
