"""``defocus-deblur focus-map``: the three files, resume, and --fix on the deep fields only."""

from __future__ import annotations

import json

import pytest
import tifffile

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.inference import save_model
from tests.focusmap.helpers import coded_estimator, coded_plate
from tests.inference.helpers import tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

DEPTHS = {("a01", 1): 2.0, ("a01", 2): 3.0, ("a02", 1): 12.0, ("b05", 1): 20.0, ("c03", 2): 5.0}


@pytest.fixture
def plate(tmp_path, monkeypatch):
    coded_estimator(monkeypatch)
    return coded_plate(tmp_path / "plate", DEPTHS)


def test_writes_csv_json_png_and_resumes(tmp_path, plate, monkeypatch, capsys):
    from napari_defocus_deblur.focusmap import run

    out = tmp_path / "out"
    assert main(["focus-map", str(plate), "-o", str(out)]) == 0
    assert "mapped 5 field(s) in 4 well(s)" in capsys.readouterr().out
    lines = (out / "focus.csv").read_text().splitlines()
    assert lines[0].startswith("path,well,row,column,site,channel,depth_um,confidence")
    assert len(lines) == 6 and ",A02,1,2,1,1,12.0," in lines[3]
    data = json.loads((out / "focus.json").read_text())
    assert data["layout"] == {"rows": 8, "columns": 12}
    assert {w["well"]: w["depth_um"] for w in data["wells"]}["B05"] == 20.0
    assert (out / "focus.png").read_bytes()[:4] == b"\x89PNG"
    read = []
    monkeypatch.setattr(run, "read_field", lambda p: read.append(p))
    assert main(["focus-map", str(plate), "-o", str(out)]) == 0  # resumed: nothing read
    assert read == [] and "resuming" in capsys.readouterr().err


def test_fix_touches_only_deep_fields_with_their_own_depths(tmp_path, plate, monkeypatch, capsys):
    from napari_defocus_deblur.inference import api

    checkpoint = save_model(tiny_model(), tmp_path / "tiny", depth_um=20)
    told = {}
    original = api.deblur

    def recording(image, *args, plan=None, **kwargs):  # the run plan carries the depth
        told[float(image.flat[-1]) / 100] = plan.planes[0].depth_um
        return original(image, *args, plan=plan, **kwargs)

    monkeypatch.setattr(api, "deblur", recording)
    fixed = tmp_path / "fixed"
    args = ["focus-map", str(plate), "-o", str(tmp_path / "out"), "--fix", str(fixed)]
    args += ["--above", "8", "--model", str(checkpoint), "--device", "cpu"]
    assert main(args) == 0
    written = sorted(p.name for p in fixed.iterdir())
    assert len(written) == 2 and all("_a02_" in n or "_b05_" in n for n in written)
    assert told == {12.0: 12.0, 20.0: 20.0}  # each field at its own estimated depth
    meta = tifffile.TiffFile(next(fixed.glob("*_b05_*"))).shaped_metadata[0]
    assert meta["depth_um"] == 20.0 and meta["source"].endswith(written[1].split("/")[-1])
    before = {p: p.stat().st_mtime_ns for p in fixed.iterdir()}
    capsys.readouterr()
    assert main(args) == 2  # never overwrites: same rule and message as predict
    err = capsys.readouterr().err
    assert "2 output file(s) exist already" in err and "--overwrite" in err
    assert {p: p.stat().st_mtime_ns for p in fixed.iterdir()} == before
    assert main([*args, "--overwrite"]) == 0


def test_a_stated_microscope_maps_stage_offsets_and_fix_tells_the_readings_back(
    tmp_path, plate, monkeypatch, capsys
):
    from napari_defocus_deblur.inference import api
    from napari_defocus_deblur.simulate.microscope import Microscope

    checkpoint = save_model(tiny_model(), tmp_path / "tiny", depth_um=20)
    told = {}
    original = api.deblur

    def recording(image, *args, plan=None, **kwargs):
        told[float(image.flat[-1]) / 100] = (plan.planes[0].depth_um, plan.planes[0].stated_um)
        return original(image, *args, plan=plan, **kwargs)

    monkeypatch.setattr(api, "deblur", recording)
    out, fixed = tmp_path / "out", tmp_path / "fixed"
    stage = Microscope(na=0.6).stage_um
    above = stage(12.0) - 0.1  # a stage offset: A02 (12 µm read) and B05 just above it
    args = ["focus-map", str(plate), "-o", str(out), "--fix", str(fixed), "--na", "0.6"]
    args += ["--above", f"{above}", "--model", str(checkpoint), "--device", "cpu"]
    assert main(args) == 0
    data = json.loads((out / "focus.json").read_text())
    assert data["settings"]["microscope"].startswith("NA 0.6, 0.645 µm pixels")
    b05 = {w["well"]: w["depth_um"] for w in data["wells"]}["B05"]
    assert b05 == pytest.approx(stage(20.0), abs=1e-3) and b05 < 16.0
    assert sorted(told) == [12.0, 20.0]
    for reading, (network_um, stated_um) in told.items():
        assert network_um == pytest.approx(reading, abs=0.3)  # converted back for the network
        assert stated_um == pytest.approx(stage(reading), abs=1e-3)
    assert main([*args[:-2], "--na", "7"]) == 2  # one readable line, before any work
    assert "--na must be within" in capsys.readouterr().err


def test_interrupted_run_saves_and_the_rerun_resumes(tmp_path, plate, monkeypatch, capsys):
    from napari_defocus_deblur.focusmap import run

    original, read = run.read_field, []

    def interrupted(path):
        if len(read) == 2:
            raise KeyboardInterrupt
        read.append(path)
        return original(path)

    monkeypatch.setattr(run, "read_field", interrupted)
    out = tmp_path / "out"
    assert main(["focus-map", str(plate), "-o", str(out), "--workers", "1"]) == 130
    assert "saved 2 mapped field(s)" in capsys.readouterr().err
    assert len((out / "focus.csv").read_text().splitlines()) == 3
    first = list(read)
    monkeypatch.setattr(run, "read_field", lambda p: read.append(p) or original(p))
    assert main(["focus-map", str(plate), "-o", str(out)]) == 0
    assert len(read) == 5 and not set(first) & set(read[2:])  # the 3 others, once each
    assert len((out / "focus.csv").read_text().splitlines()) == 6
