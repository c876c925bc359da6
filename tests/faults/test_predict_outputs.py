"""``predict`` never replaces a user's file, never mixes runs, never writes NaN or junk."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import numpy as np
import tifffile

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.inference.outputs import output_lock
from napari_defocus_deblur.io.atomic import temp_path
from tests.faults.helpers import predict_args, tree
from tests.inference.helpers import field


def test_existing_outputs_are_refused_unless_overwrite(tmp_path, raw, checkpoint, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "one.tif").write_bytes(b"the user's own file")
    assert main(predict_args(raw, out, checkpoint)) == 2
    err = capsys.readouterr().err
    assert "exist already" in err and "--overwrite" in err and err.count("\n") == 1
    assert tree(out) == {"one.tif": b"the user's own file"}
    assert main(predict_args(raw, out, checkpoint, "--overwrite")) == 0
    assert tifffile.imread(out / "one.tif").dtype == np.float32
    assert sorted(tree(out)) == ["one.tif", "plate/two.tif"]  # no lock or temporaries left


def test_a_busy_output_folder_is_refused(tmp_path, raw, checkpoint, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with output_lock(out):
        assert main(predict_args(raw, out, checkpoint)) == 2
    err = capsys.readouterr().err
    assert "another predict run" in err and err.count("\n") == 1
    assert tree(out) == {}


def test_concurrent_runs_into_one_folder_never_mix(tmp_path, raw, checkpoint):
    other = tmp_path / "raw2"
    (other / "plate").mkdir(parents=True)
    tifffile.imwrite(other / "one.tif", field((40, 48), seed=7))
    tifffile.imwrite(other / "plate" / "two.tif", field((36, 40), seed=8))
    out = tmp_path / "out"
    start = threading.Barrier(2)
    codes: dict[str, int] = {}

    def run(source: Path) -> None:
        start.wait()
        codes[source.name] = main(predict_args(source, out, checkpoint))

    threads = [threading.Thread(target=run, args=(s,)) for s in (raw, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(codes.values()) == [0, 2]  # one run wrote, the other was refused whole
    winner = raw if codes["raw"] == 0 else other
    for rel in ("one.tif", "plate/two.tif"):
        with tifffile.TiffFile(out / rel) as tif:
            assert tif.shaped_metadata[0]["source"] == str(winner / rel)
            result = tif.asarray()
        expected = deblur(tifffile.imread(winner / rel), model=checkpoint, device="cpu")
        np.testing.assert_array_equal(result, expected)
    assert sorted(tree(out)) == ["one.tif", "plate/two.tif"]


def test_temporary_names_are_unique_and_hidden(tmp_path):
    names = {temp_path(tmp_path / "x.tif").name for _ in range(200)}
    assert len(names) == 200
    assert all(n.startswith(".x.tif.") and n.endswith(".partial") for n in names)


def test_disk_full_leaves_no_temporaries_or_empty_folders(
    tmp_path, raw, checkpoint, monkeypatch, capsys
):
    def full_disk(path, *args, **kwargs):
        Path(path).write_bytes(b"II*\x00" + bytes(1000))  # a partial file, then ENOSPC
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tifffile, "imwrite", full_disk)
    out = tmp_path / "new" / "out"
    assert main(predict_args(raw, out, checkpoint)) == 1
    err = capsys.readouterr().err
    assert err.count("No space left on device") == 2 and "cannot write" in err
    assert not (tmp_path / "new").exists()  # folders the run created are removed again


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path, raw, checkpoint):
    out = tmp_path / "out"
    (out / "plate").mkdir(parents=True)
    stale = out / "plate" / ".two.tif.4242-0123abcd.partial"
    stale.write_bytes(b"half a file")
    mine = out / ".notes.txt"
    mine.write_text("not ours")
    assert main(predict_args(raw, out, checkpoint)) == 0
    assert not stale.exists() and mine.read_text() == "not ours"


def test_earlier_results_in_an_input_folder_are_not_deblurred_again(raw, checkpoint, capsys):
    assert main(predict_args(raw, raw / "out1", checkpoint)) == 0
    capsys.readouterr()
    assert main(predict_args(raw, raw / "out2", checkpoint)) == 0
    captured = capsys.readouterr()
    assert "deblurred 2 of 2" in captured.out
    assert "left out 2 result(s) of earlier predict runs" in captured.err
    assert sorted(tree(raw / "out2")) == ["one.tif", "plate/two.tif"]


def test_nan_weights_are_refused_before_any_result(tmp_path, raw, nan_checkpoint, capsys):
    for dtype in ("float32", "input"):
        out = tmp_path / f"out-{dtype}"
        assert main(predict_args(raw, out, nan_checkpoint, "--dtype", dtype)) == 2
        err = capsys.readouterr().err
        assert "holds values up to nan" in err and err.count("\n") == 1
        assert not out.exists()


def test_overflowing_input_is_not_written_as_inf(tmp_path, checkpoint, capsys):
    source = tmp_path / "in" / "huge.tif"
    source.parent.mkdir()
    tifffile.imwrite(source, field((40, 48)).astype(np.float64) * 1e296)
    out = tmp_path / "out"
    assert main(predict_args(source, out, checkpoint)) == 1
    assert "cannot be computed in float32" in capsys.readouterr().err
    assert not out.exists()
