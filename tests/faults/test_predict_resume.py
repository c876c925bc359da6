"""``predict --skip-existing`` continues an interrupted batch; notes count files once."""

from __future__ import annotations

import tifffile

from napari_defocus_deblur.cli import main
from tests.faults.helpers import predict_args
from tests.inference.helpers import field


def test_skip_existing_writes_only_missing_results(raw, tmp_path, checkpoint, capsys):
    out = tmp_path / "out"
    assert main(predict_args(raw, out, checkpoint)) == 0
    kept, lost = out / "one.tif", out / "plate" / "two.tif"
    before = kept.read_bytes()
    lost.unlink()  # as if the run had been killed before this file
    capsys.readouterr()
    assert main(predict_args(raw, out, checkpoint)) == 2  # still refused without a flag
    assert main(predict_args(raw, out, checkpoint, "--skip-existing")) == 0
    captured = capsys.readouterr()
    assert "left out 1 file(s) whose result exists already" in captured.err
    assert "deblurred 1 of 1" in captured.out
    assert lost.is_file() and kept.read_bytes() == before
    assert main(predict_args(raw, out, checkpoint, "--skip-existing")) == 0  # all done
    assert "deblurred 0 of 0" in capsys.readouterr().out


def test_skip_existing_never_replaces_a_foreign_file(raw, tmp_path, checkpoint, capsys):
    out = tmp_path / "out"
    out.mkdir()
    tifffile.imwrite(out / "one.tif", field((8, 8)))  # the user's, not a result
    before = (out / "one.tif").read_bytes()
    assert main(predict_args(raw, out, checkpoint, "--skip-existing")) == 2
    err = capsys.readouterr().err
    assert "not written by predict" in err and err.count("\n") == 1
    assert (out / "one.tif").read_bytes() == before
    assert main(predict_args(raw, out, checkpoint, "--skip-existing", "--overwrite")) == 2


def test_left_out_results_are_counted_once(raw, tmp_path, checkpoint, capsys):
    first = raw / "plate" / "first"
    assert main(predict_args(raw, first, checkpoint)) == 0  # results inside the input folder
    capsys.readouterr()
    out = tmp_path / "second"
    assert main(predict_args([raw, raw / "plate"], out, checkpoint)) == 0
    err = capsys.readouterr().err
    assert "left out 2 result(s)" in err, err
