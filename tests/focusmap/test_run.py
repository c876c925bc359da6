"""Mapping a plate: error rows, resume without reading finished files, saved maps, and
the tilt of a simulated plate recovered."""

from __future__ import annotations

import math

import numpy as np
import pytest

from napari_defocus_deblur.focusmap import (
    FieldMapped,
    MapStarted,
    focus_map,
    iter_focus_map,
    load_rows,
    to_csv,
    to_json,
)
from napari_defocus_deblur.io.bbbc006 import format_name
from napari_defocus_deblur.progress import drive
from tests.focusmap.helpers import coded_estimator, coded_plate

DEPTHS = {("a01", 1): 2.0, ("a01", 2): 3.0, ("a02", 1): 12.0, ("b05", 1): 20.0}


def test_unreadable_files_become_error_rows(tmp_path, monkeypatch):
    coded_estimator(monkeypatch)
    plate = coded_plate(tmp_path / "plate", DEPTHS)
    broken = format_name("c01", 1, 1)
    (plate / broken).write_bytes(b"not a tiff")
    import tifffile

    tifffile.imwrite(plate / format_name("c02", 1, 1), np.zeros((8, 8), np.uint16))
    fmap = focus_map(plate)
    bad = {r.well: r for r in fmap.errors}
    assert sorted(bad) == ["C01", "C02"]
    assert all(math.isnan(r.depth_um) and r.error for r in bad.values())
    assert broken in bad["C01"].error and "not a valid TIFF" in bad["C01"].error
    assert len(fmap.rows) == 6 and fmap.layout == (8, 12)
    wells = fmap.wells()
    assert wells["C01"].hatched and not wells["A01"].hatched
    assert wells["A01"].depth_um == pytest.approx(2.5, abs=0.01)  # median of 2 sites
    assert [r.well for r in fmap.above(8.0)] == ["A02", "B05"]


def test_resume_reuses_finished_rows_and_reads_no_finished_file(tmp_path, monkeypatch):
    from napari_defocus_deblur.focusmap import run

    coded_estimator(monkeypatch)
    plate = coded_plate(tmp_path / "plate", DEPTHS)
    read = []
    original = run.read_field
    monkeypatch.setattr(run, "read_field", lambda p: read.append(p) or original(p))
    job = iter_focus_map(plate, workers=1)
    first = [next(job), next(job), next(job)]  # started + two fields, then interrupted
    job.close()
    assert isinstance(first[0], MapStarted) and first[0].total == 4
    done = [e.row for e in first[1:] if isinstance(e, FieldMapped)]
    out = tmp_path / "focus.csv"
    out.write_text(to_csv(type(focus_map(plate))(tuple(done), (8, 12))))
    read.clear()
    events = []
    result = drive(iter_focus_map(plate, workers=2, resume_from=out), events.append)
    assert events[0].reused == 2
    finished = {d.path for d in done}
    assert sorted(read) == sorted(r.path for r in result.rows if r.path not in finished)
    assert len(read) == 2 and [r.depth_um for r in result.rows] == [2.0, 3.0, 12.0, 20.0]


def test_rows_of_another_estimator_are_not_reused(tmp_path, monkeypatch):
    from napari_defocus_deblur.focusmap import run

    coded_estimator(monkeypatch)
    plate = coded_plate(tmp_path / "plate", DEPTHS)
    old = [r.__class__(**{**r.__dict__, "estimator": "refitted"}) for r in focus_map(plate).rows]
    read = []
    original = run.read_field
    monkeypatch.setattr(run, "read_field", lambda p: read.append(p) or original(p))
    focus_map(plate, resume_from=old)
    assert len(read) == 4


def test_a_stated_microscope_gives_stage_offsets_reads_fine_pixels_binned_and_reuses_its_own(
    tmp_path, monkeypatch
):
    from napari_defocus_deblur.simulate.microscope import Microscope

    calls = coded_estimator(monkeypatch)
    plate = coded_plate(tmp_path / "plate", DEPTHS, shape=(520, 800))
    fine = Microscope(na=0.6, pixel_size_um=0.3225)
    fmap = focus_map(plate, microscope=fine)
    assert calls == [(260, 400)] * 4  # binned 2 x 2 onto BBBC006's grid
    a02 = fmap.fields_of("A02")[0]
    assert a02.depth_um == 12.0 and a02.stage_um == pytest.approx(fine.stage_um(12.0))
    assert a02.distance_um == a02.stage_um < 12.0  # NA 0.6 blurs more per µm
    assert fmap.wells()["A02"].depth_um == a02.stage_um
    assert [r.well for r in fmap.above(a02.stage_um - 0.01)] == ["A02", "B05"]
    assert "under NA 0.6, 0.3225 µm pixels" in a02.estimator
    calls.clear()
    assert focus_map(plate, resume_from=fmap.rows, microscope=fine).rows[2].stage_um == (
        a02.stage_um
    )
    assert calls == []  # the same microscope: every row reused
    focus_map(plate, resume_from=fmap.rows)
    assert len(calls) == 4  # none stated now: read again
    rows = load_rows_from_csv(tmp_path, fmap)
    assert rows[2].stage_um == pytest.approx(a02.stage_um, abs=1e-4)


def test_fields_recording_finer_pixels_are_read_binned_and_reused_when_none_is_stated(
    tmp_path, monkeypatch
):
    from napari_defocus_deblur.simulate.microscope import Microscope

    calls = coded_estimator(monkeypatch)
    plate = coded_plate(tmp_path / "plate", DEPTHS, shape=(520, 800), pixel_um=0.3225)
    fmap = focus_map(plate)
    assert calls == [(260, 400)] * 4  # binned 2 x 2 onto BBBC006's grid, as predict does
    a02 = fmap.fields_of("A02")[0]
    assert a02.distance_um == a02.depth_um == 12.0 and math.isnan(a02.stage_um)
    assert a02.estimator.endswith("on recorded pixels of 0.3225 µm")
    calls.clear()
    assert [r.depth_um for r in focus_map(plate, resume_from=fmap.rows).rows] == [
        r.depth_um for r in fmap.rows
    ]
    assert calls == []  # read on their recorded pixels again: reused
    stated = focus_map(plate, resume_from=fmap.rows, microscope=Microscope(na=0.6))
    assert calls == [(520, 800)] * 4  # a stated microscope (BBBC006's pixels) wins: re-read
    assert "under NA 0.6" in stated.rows[0].estimator
    coarse = coded_plate(tmp_path / "coarse", DEPTHS, shape=(130, 200), pixel_um=1.29)
    calls.clear()
    focus_map(coarse)
    assert calls == [(130, 200)] * 4  # a coarser recorded size is not acted on


def load_rows_from_csv(tmp_path, fmap):
    (tmp_path / "focus.csv").write_text(to_csv(fmap))
    return load_rows(tmp_path / "focus.csv")


def test_maps_written_before_stage_offsets_still_load(tmp_path, monkeypatch):
    coded_estimator(monkeypatch)
    fmap = focus_map(coded_plate(tmp_path / "plate", DEPTHS))
    lines = to_csv(fmap).splitlines()
    old = [line.rsplit(",", 1)[0] for line in lines]  # without the last column, stage_um
    assert lines[0].endswith(",stage_um")
    (tmp_path / "focus.csv").write_text("\n".join(old) + "\n")
    rows = load_rows(tmp_path / "focus.csv")
    assert [r.distance_um for r in rows] == [2.0, 3.0, 12.0, 20.0]
    assert all(math.isnan(r.stage_um) for r in rows)


def test_csv_and_json_round_trip(tmp_path, monkeypatch):
    coded_estimator(monkeypatch)
    fmap = focus_map(coded_plate(tmp_path / "plate", DEPTHS))
    (tmp_path / "focus.json").write_text(to_json(fmap, {"pattern": None}))
    (tmp_path / "focus.csv").write_text(to_csv(fmap))
    for name in ("focus.json", "focus.csv"):
        rows = load_rows(tmp_path / name)
        assert [(r.well, r.site, r.depth_um) for r in rows] == [
            (r.well, r.site, r.depth_um) for r in fmap.rows
        ]
        np.testing.assert_allclose(rows[0].tile_depths_um, fmap.rows[0].tile_depths_um)


def test_simulated_tilted_plate_recovers_the_tilt(tmp_path):
    import tifffile

    from napari_defocus_deblur.simulate.field import simulate_prior_field

    truth = {}
    for row in "ab":
        for col in range(1, 7):
            depth = 2.0 + 3.0 * (col - 1)  # tilted along the columns: 2..17 µm
            seed = 100 * ord(row) + col
            images, _ = simulate_prior_field([-depth], seed=seed, shape=(256, 384))
            tifffile.imwrite(tmp_path / format_name(f"{row}{col:02d}", 1, 1), images[-depth])
            truth[f"{row.upper()}{col:02d}"] = depth
    wells = focus_map(tmp_path).wells()
    cols = np.array([w.column for w in wells.values()], float)
    got = np.array([w.depth_um for w in wells.values()])
    slope = np.polyfit(cols, got, 1)[0]
    assert 1.5 < slope < 4.5  # 3 µm per column, same direction
    assert np.corrcoef(cols, got)[0, 1] > 0.85
    assert wells["A06"].depth_um > wells["A01"].depth_um + 8
