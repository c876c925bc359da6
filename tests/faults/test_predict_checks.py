"""Every option and output path is checked once, before any work; FIFOs never hang."""

from __future__ import annotations

import os
import threading

import pytest

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.inference import save_model
from tests.faults.helpers import predict_args
from tests.inference.helpers import tiny_model


@pytest.fixture
def coarse_checkpoint(tmp_path):
    """A network that takes sizes in multiples of 16 pixels (K=2, 4 levels)."""
    return save_model(tiny_model(levels=4, base_channels=4), tmp_path / "coarse", depth_um=34)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tile", "-5"], "--tile must be an integer >= 16, got -5"),
        (["--tile", "17"], "--tile 17 is too small for this model"),
        (["--tile", "40", "--overlap", "24"], "use a tile of at least 48 pixels"),
        (["--overlap", "-1"], "--overlap must be an integer >= 0"),
        (["--precision", "fp16"], "not supported on the CPU"),
        (["--depth", "nan"], "--depth must be a finite distance"),
        (["--depth", "-3"], "--depth must be a finite distance"),
        (["--workers", "100000"], "--workers must be at least 1 and at most"),
        (["--scheduler", "not a url"], "is not a Dask scheduler address"),
    ],
)
def test_bad_options_exit_2_once_before_any_work(
    tmp_path, raw, coarse_checkpoint, capsys, extra, message
):
    out = tmp_path / "out"
    assert main(predict_args(raw, out, coarse_checkpoint, *extra)) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_an_output_folder_that_cannot_be_created_is_refused_first(
    tmp_path, raw, checkpoint, capsys
):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(predict_args(raw, blocker / "out", checkpoint)) == 2
    err = capsys.readouterr().err
    assert "cannot create output folder" in err and err.count("\n") == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_among_the_inputs_is_skipped_without_hanging(tmp_path, raw, checkpoint, capsys):
    fifo = raw / "b.tif"
    os.mkfifo(fifo)
    result: dict[str, int] = {}
    worker = threading.Thread(
        target=lambda: result.setdefault(
            "code", main(predict_args(raw, tmp_path / "o", checkpoint))
        ),
        daemon=True,
    )
    worker.start()
    worker.join(90)
    if worker.is_alive():  # unblock the reader so the test session can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
        pytest.fail("predict hung on a named pipe")
    assert result["code"] == 1
    err = capsys.readouterr().err
    assert "b.tif" in err and "not a regular file" in err
    assert (tmp_path / "o" / "one.tif").is_file()


def test_evaluate_checks_output_paths_before_the_evaluation(tmp_path, capsys, monkeypatch):
    from napari_defocus_deblur.evaluation import runner

    def never(*args, **kwargs):
        raise AssertionError("the evaluation started before its outputs were checked")

    monkeypatch.setattr(runner, "iter_evaluate", never)
    (tmp_path / "folder").mkdir()
    mine = tmp_path / "r.json"
    mine.write_text("the user's results")
    for target, message in ((tmp_path / "folder", "is a folder"), (mine, "already exists")):
        assert main(["evaluate", str(tmp_path), "--json", str(target)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert mine.read_text() == "the user's results"
