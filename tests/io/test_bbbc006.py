from __future__ import annotations

import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import bbbc006 as b6
from tests.io._trees import make_tree

REAL = "mcf-z-stacks-03212011_a19_s2_w12703a47b-7574-461a-85e2-afc38bc0adae.tif"


def test_parse_real_name_splits_channel_from_uuid():
    name = b6.parse_name(REAL)
    assert name == b6.FieldName("a19", 2, 1, "2703a47b-7574-461a-85e2-afc38bc0adae")
    assert name.field_id == "a19_s2"
    assert name.key == ("a19", 2, 1)


def test_parse_rejects_other_names():
    assert b6.parse_name("notes.txt") is None
    assert b6.parse_name("image_0001.tif") is None
    assert b6.parse_name("mcf-z-stacks-03212011_a19_s2.png") is None


def test_format_parse_roundtrip_and_fresh_uuid():
    a = b6.format_name("B07", 1, 2)
    b = b6.format_name("b07", 1, 2)
    assert a != b  # a new uuid4 each time
    for n in (a, b):
        assert n.startswith("mcf-z-stacks-03212011_b07_s1_w2")
        assert b6.parse_name(n).key == ("b07", 1, 2)
    fixed = b6.format_name("a01", 2, 1, "00000000-0000-4000-8000-000000000000")
    assert fixed == "mcf-z-stacks-03212011_a01_s2_w100000000-0000-4000-8000-000000000000.tif"


def test_plane_names():
    assert b6.plane_dir_name(3) == "BBBC006_v1_images_z_03"
    assert b6.plane_from_name("BBBC006_v1_images_z_33") == 33
    assert b6.plane_from_name("/x/BBBC006_v1_images_z_00.zip") == 0
    assert b6.plane_from_name("BBBC006_v1_images_z_3") is None


def test_plate_fields_order_and_count():
    fields = b6.plate_fields()
    assert len(fields) == 768
    assert fields[:3] == [("a01", 1), ("a01", 2), ("a02", 1)]
    assert fields[-1] == ("p24", 2)
    with pytest.raises(UserInputError, match=r"1\.\.768"):
        b6.plate_fields(769)


def test_discover_root_groups_fields_across_planes(tmp_path):
    root = make_tree(tmp_path / "root", planes=(0, 16, 33))
    index = b6.discover(root)
    assert index.planes == (0, 16, 33)
    assert index.channels == (1, 2)
    assert index.fields() == ["a01_s1", "a01_s2", "b02_s1"]
    assert index.planes_of("b02_s1", 2) == [0, 16, 33]
    p16, p33 = index.path("a01_s2", 1, 16), index.path("a01_s2", 1, 33)
    assert p16.parent.name == "BBBC006_v1_images_z_16"
    assert p33.parent.name == "BBBC006_v1_images_z_33"
    assert b6.parse_name(p16.name).uuid != b6.parse_name(p33.name).uuid
    assert b6.is_bbbc006(root)


def test_discover_zip_archives_and_single_plane(tmp_path):
    root = make_tree(tmp_path / "z", planes=(16, 21), as_zip=True)
    index = b6.discover(root)
    assert index.planes == (16, 21)
    assert ".zip" in str(index.path("a01_s1", 1, 21))
    single = b6.discover(root / "BBBC006_v1_images_z_21.zip")
    assert single.planes == (21,)
    folder = make_tree(tmp_path / "f", planes=(5,)) / "BBBC006_v1_images_z_05"
    assert b6.discover(folder).planes == (5,)


def test_folder_wins_over_its_archive(tmp_path):
    root = make_tree(tmp_path / "r", planes=(16,), as_zip=True)
    make_tree(root, planes=(16,))
    index = b6.discover(root)
    assert ".zip" not in str(index.path("a01_s1", 1, 16))


def test_discover_notes_wrong_file_types_and_duplicates(tmp_path):
    root = make_tree(tmp_path / "r", planes=(16,), fields=(("a01", 1),))
    folder = root / "BBBC006_v1_images_z_16"
    (folder / "readme.txt").write_text("x")
    (folder / "image.png").write_bytes(b"x")
    (folder / b6.format_name("a01", 1, 1)).write_bytes(b"dup")
    index = b6.discover(root)
    assert index.fields() == ["a01_s1"]
    text = " ".join(index.skipped)
    assert "not BBBC006 TIFFs" in text
    assert "readme.txt" in text and "image.png" in text and "duplicate of" in text


def test_discover_empty_and_missing(tmp_path):
    with pytest.raises(UserInputError, match="no BBBC006 images found in"):
        b6.discover(tmp_path)
    with pytest.raises(UserInputError, match="no such file or folder"):
        b6.discover(tmp_path / "nope")
    (tmp_path / "x.tif").write_bytes(b"x")
    with pytest.raises(UserInputError, match="not a BBBC006 plane archive"):
        b6.discover(tmp_path / "x.tif")
    assert not b6.is_bbbc006(tmp_path)


def test_discover_bad_zip_is_reported(tmp_path):
    (tmp_path / "BBBC006_v1_images_z_16.zip").write_bytes(b"not a zip")
    with pytest.raises(UserInputError, match="not a readable zip archive"):
        b6.discover(tmp_path)


def test_discover_real_loose_folder(real_bbbc006):
    index = b6.discover(real_bbbc006 / "defocus-z00")
    assert index.planes == (b6.UNKNOWN_PLANE,)
    assert index.channels == (1,)
    assert len(index.fields()) == 24


def test_unreadable_folder_is_reported(tmp_path, monkeypatch):
    root = make_tree(tmp_path / "r", planes=(16,))

    def deny(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(b6.os, "scandir", deny)
    with pytest.raises(UserInputError, match=r"permission denied while listing .*r"):
        b6.discover(root)
    assert not b6.is_bbbc006(root)
