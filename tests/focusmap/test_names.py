"""Well, site and channel from file names; plate layouts; what a source lists."""

from __future__ import annotations

import zipfile

import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.focusmap import list_fields, parse_field, plate_layout
from napari_defocus_deblur.focusmap.names import compile_pattern, split_well, well_name

BBBC = "mcf-z-stacks-03212011_b03_s2_w1d0f3e8a1-5c1b-4e0e-8a8c-2f3b4c5d6e7f.tif"


def test_bbbc006_names_give_well_site_channel():
    f = parse_field(f"/plate/{BBBC}")
    assert (f.well, f.row, f.column, f.site, f.channel) == ("B03", 2, 3, 2, 1)
    assert f.path == f"/plate/{BBBC}"
    assert parse_field("/plate/notes.txt") is None
    assert parse_field("/plate/BBBC006_z_aligned__a02__s1__w1_10.png") is None


def test_custom_regex_gives_well_site_channel():
    pattern = compile_pattern(r"_(?P<well>[A-Z]{1,2}\d\d)_s(?P<site>\d+)_w(?P<channel>\d)")
    f = parse_field("Plate1_AF48_s3_w2.tif", pattern)
    assert (f.well, f.row, f.column, f.site, f.channel) == ("AF48", 32, 48, 3, 2)
    only_well = compile_pattern(r"__(?P<well>[a-p]\d\d)__")
    g = parse_field("BBBC006_z_aligned__a02__s1__w1_10.png", only_well)
    assert (g.well, g.site, g.channel) == ("A02", 1, 1)
    assert parse_field("Plate1_AF48_s3_w2.txt", pattern) is None  # not an image


@pytest.mark.parametrize(
    ("pattern", "message"), [("(?P<well>[a-", "not a regular expression"), ("_s(\\d)", "'well'")]
)
def test_bad_patterns_are_one_readable_error(pattern, message):
    with pytest.raises(UserInputError, match=message):
        compile_pattern(pattern)


def test_wells_and_layouts():
    assert split_well("b03") == (2, 3) and split_well("AA01") == (27, 1)
    assert well_name(27, 1) == "AA01" and well_name(16, 24) == "P24"
    assert plate_layout([parse_field(BBBC)]) == (8, 12)
    p = compile_pattern(r"(?P<well>[A-Z]+\d+)\.tif")
    assert plate_layout([parse_field("P24.tif", p)]) == (16, 24)
    assert plate_layout([parse_field("I01.tif", p)]) == (16, 24)
    assert plate_layout([parse_field("AF48.tif", p)]) == (32, 48)


def test_folders_zips_channels_and_duplicates(tmp_path):
    plate = tmp_path / "plate"
    (plate / "sub").mkdir(parents=True)
    names = [BBBC, BBBC.replace("_w1", "_w2"), BBBC.replace("b03", "a01")]
    for name in names:
        (plate / "sub" / name).write_bytes(b"")
    (plate / "readme.txt").write_text("x")
    files, others = list_fields(plate)
    assert [(f.well, f.channel) for f in files] == [("A01", 1), ("B03", 1), ("B03", 2)]
    assert others == ["readme.txt"]
    assert [f.well for f in list_fields(plate, channel=2)[0]] == ["B03"]
    archive = tmp_path / "plate.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in names:
            zf.writestr(f"z/{name}", b"")
    assert list_fields(archive)[0][0].path == str(archive / "z" / names[2])
    (plate / names[0]).write_bytes(b"")  # the same field twice: two planes
    with pytest.raises(UserInputError, match="one plane"):
        list_fields(plate)
    with pytest.raises(UserInputError, match="no image"):
        list_fields(tmp_path / "plate" / "sub", pattern=r"(?P<well>X\d\d)")


def test_only_the_fronts_import_focusmap():
    from tests.test_import_graph import _graph

    users = {part for part, deps in _graph().items() if "focusmap" in deps}
    assert users == {"cli", "widgets"}
