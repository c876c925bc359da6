"""Batch runs: input discovery, output paths, read-ahead, skipping, TIFF metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.inference.batch import PredictOptions, run_serial
from napari_defocus_deblur.inference.files import collect_jobs, plan_jobs, write_output
from napari_defocus_deblur.inference.root_planes import PlaneChoice
from napari_defocus_deblur.io.bbbc006 import format_name, plane_dir_name
from tests.inference.helpers import field


def _tree(root):
    (root / "sub" / "deeper").mkdir(parents=True)
    tifffile.imwrite(root / "a.tif", field((40, 48), seed=1))
    tifffile.imwrite(root / "sub" / "b.tiff", field((40, 48), seed=2))
    tifffile.imwrite(root / "sub" / "deeper" / "c.TIF", field((32, 40), seed=3))
    (root / "notes.txt").write_text("ignored")
    return root


def test_folder_inputs_keep_relative_paths(tmp_path):
    root = _tree(tmp_path / "in")
    jobs = collect_jobs([root], tmp_path / "out", 34)
    rel = sorted(str(j.target.relative_to(tmp_path / "out")) for j in jobs)
    assert rel == ["a.tif", "sub/b.tiff", "sub/deeper/c.TIF"]
    two = collect_jobs([root / "a.tif", root / "sub"], tmp_path / "out", 34)
    assert sorted(str(j.target.relative_to(tmp_path / "out")) for j in two) == [
        "a.tif",
        "sub/b.tiff",
        "sub/deeper/c.TIF",
    ]


def test_output_folder_inside_input_is_not_scanned(tmp_path):
    root = _tree(tmp_path / "in")
    out = root / "deblurred"
    out.mkdir()
    tifffile.imwrite(out / "old.tif", field((32, 32)))
    jobs = collect_jobs([root], out, 34)
    assert len(jobs) == 3 and all(not j.source.endswith("old.tif") for j in jobs)


def test_inputs_are_never_overwritten(tmp_path):
    root = _tree(tmp_path / "in")
    with pytest.raises(UserInputError, match="would overwrite input file"):
        collect_jobs([root], root, 34)


def test_bad_inputs(tmp_path):
    with pytest.raises(UserInputError, match="input not found"):
        collect_jobs([tmp_path / "missing.tif"], tmp_path / "out", 34)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match=r"no \.tif/\.tiff files found"):
        collect_jobs([tmp_path / "empty"], tmp_path / "out", 34)
    (tmp_path / "x.png").write_bytes(b"")
    with pytest.raises(UserInputError, match="is not a TIFF file"):
        collect_jobs([tmp_path / "x.png"], tmp_path / "out", 34)


def test_bbbc006_root_takes_the_plane_the_one_pairing_rule_gives(tmp_path):
    root = tmp_path / "BBBC006"
    for plane in (0, 1, 16, 17, 33):
        folder = root / plane_dir_name(plane)
        folder.mkdir(parents=True)
        for well in ("a01", "b02"):
            tifffile.imwrite(folder / format_name(well, 1, 1), field((32, 32)))
    out = tmp_path / "out"
    plan = plan_jobs([root], out, 34)  # real BBBC006: 34 µm below the paper's z_17
    assert {Path(j.source).parent.name for j in plan.jobs} == {plane_dir_name(0)}
    assert all(j.target.parent == out / plane_dir_name(0) for j in plan.jobs)
    assert {j.depth_um for j in plan.jobs} == {34.0}
    assert any("z_00 (34 µm below z_17)" in n and "2 file(s)" in n for n in plan.notes)
    above = collect_jobs([root], out, 34, planes=PlaneChoice(16, "above"))
    assert {Path(j.source).parent.name for j in above} == {plane_dir_name(33)}
    (root / "simulation.json").write_text('{"in_focus_plane": 16}')  # a simulated set
    simulated = collect_jobs([root], out, 32)
    assert {Path(j.source).parent.name for j in simulated} == {plane_dir_name(0)}
    with pytest.raises(UserInputError, match=r"no plane z_06 \(20 µm below z_16\)"):
        collect_jobs([root], out, 20)
    with pytest.raises(UserInputError, match="BBBC006 root: its planes are chosen by distance"):
        collect_jobs([root], out, "auto")
    assert len(collect_jobs([root / plane_dir_name(33)], out, "auto")) == 2


def test_serial_run_with_read_ahead_skips_unreadable_files(tmp_path, checkpoint):
    root = _tree(tmp_path / "in")
    (root / "broken.tif").write_bytes(b"II*\x00garbage")
    jobs = collect_jobs([root], tmp_path / "out", 34)
    options = PredictOptions(model_dir=str(checkpoint), model_name="tiny", device="cpu")
    results = list(run_serial(jobs, options))
    assert len(results) == 4
    errors = [r for r in results if r.error]
    assert len(errors) == 1 and "broken.tif" in errors[0].source
    out = tifffile.imread(tmp_path / "out" / "sub" / "b.tiff")
    np.testing.assert_array_equal(out, deblur(field((40, 48), seed=2), model=checkpoint))


def test_grouped_run_equals_one_by_one(tmp_path, checkpoint):
    root = tmp_path / "in"
    root.mkdir()
    for i in range(5):
        tifffile.imwrite(root / f"f{i}.tif", field((40, 48), seed=i))
    tifffile.imwrite(root / "f2.tif", field((36, 48), seed=9))  # breaks a group
    options = PredictOptions(model_dir=str(checkpoint), model_name="tiny", device="cpu")
    one = list(run_serial(collect_jobs([root], tmp_path / "one", 34), options, group=1))
    many = list(run_serial(collect_jobs([root], tmp_path / "many", 34), options, group=3))
    assert not any(r.error for r in one + many)
    for i in range(5):
        a = tifffile.imread(tmp_path / "one" / f"f{i}.tif")
        b = tifffile.imread(tmp_path / "many" / f"f{i}.tif")
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-3)


def test_written_tiff_metadata(tmp_path):
    data = np.zeros((2, 32, 32), np.float32)
    meta = {
        "axes": "ZYX",
        "pixel_size_um": 0.645,
        "source": "in.tif",
        "model": "m",
        "depth_um": 34.0,
        "fusion": "sum",
        "missing": None,
    }
    path = write_output(tmp_path / "o" / "x.tif", data, meta)
    with tifffile.TiffFile(path) as tif:
        stored = tif.shaped_metadata[0]
        assert tif.series[0].axes == "ZYX"
        assert tif.series[0].dtype == np.float32
    assert stored["source"] == "in.tif" and stored["depth_um"] == 34.0 and "missing" not in stored
    from napari_defocus_deblur.io.tiff import read_image

    assert read_image(path)[1]["pixel_size_um"] == pytest.approx(0.645)
    assert not list((tmp_path / "o").glob(".*partial"))


def test_out_of_memory_skips_the_file_with_a_hint(tmp_path, checkpoint, monkeypatch):
    from napari_defocus_deblur.inference import batch

    def boom(image, options, job=None, meta=None):
        raise MemoryError("Unable to allocate 64. GiB")

    root = _tree(tmp_path / "in")
    monkeypatch.setattr(batch, "_deblur", boom)
    options = PredictOptions(model_dir=str(checkpoint), model_name="tiny", device="cpu")
    jobs = collect_jobs([root], tmp_path / "out", 34)
    results = [*run_serial(jobs, options), batch.deblur_file(jobs[0], options)]
    assert all(r.error and "out of memory" in r.error and "--tile" in r.error for r in results)
