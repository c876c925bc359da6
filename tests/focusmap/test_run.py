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
