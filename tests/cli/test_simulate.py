from __future__ import annotations

import json

import numpy as np
import tifffile

from napari_defocus_deblur.cli import main


def test_simulate_writes_bbbc006_layout(tmp_path, capsys):
    out = tmp_path / "sim"
    code = main(
        [
            "simulate",
            str(out),
            "--fields",
            "2",
            "--seed",
            "4",
            "--channels",
            "1",
            "--shape",
            "40",
            "48",
            "--quiet",
        ]
    )
    assert code == 0
    assert "wrote 2 field(s) x 6 plane(s) x 1 channel(s)" in capsys.readouterr().out
    # default planes: the in-focus z_16 and 32/26/20/14/8 um below it, the paper's side
    assert sorted(p.name[-2:] for p in out.glob("BBBC006_*")) == [
        "00",
        "03",
        "06",
        "09",
        "12",
        "16",
    ]
    assert json.loads((out / "simulation.json").read_text())["in_focus_plane"] == 16
    for plane in (0, 12, 16):
        files = sorted((out / f"BBBC006_v1_images_z_{plane:02d}").glob("*.tif"))
        assert [f.name[22:31] for f in files] == ["a01_s1_w1", "a01_s2_w1"]
        assert tifffile.imread(files[0]).shape == (40, 48)


def test_simulate_is_deterministic(tmp_path):
    args = [
        "--fields",
        "1",
        "--planes",
        "16",
        "--seed",
        "9",
        "--channels",
        "2",
        "--shape",
        "32",
        "32",
        "--quiet",
    ]
    assert main(["simulate", str(tmp_path / "a"), *args]) == 0
    assert main(["simulate", str(tmp_path / "b"), *args]) == 0
    a = next((tmp_path / "a" / "BBBC006_v1_images_z_16").iterdir())
    b = next((tmp_path / "b" / "BBBC006_v1_images_z_16").iterdir())
    assert a.name == b.name
    np.testing.assert_array_equal(tifffile.imread(a), tifffile.imread(b))


def test_simulate_user_errors_are_one_line(tmp_path, capsys):
    code = main(["simulate", str(tmp_path), "--fields", "1", "--planes", "40", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.strip() == "defocus-deblur simulate: error: planes must be within 0..33, got [40]"
    code = main(["simulate", str(tmp_path), "--fields", "1000", "--quiet"])
    assert code == 2
    assert "number of fields must be within 1..768" in capsys.readouterr().err
