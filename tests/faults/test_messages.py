"""Tracebacks and unclear messages that became one line naming the fix."""

from __future__ import annotations

import errno
import sys

import numpy as np
import pytest

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.errors import UserInputError
from tests.faults.helpers import train_config, train_data
from tests.inference.helpers import field, tiny_model

MISSING = "/nonexistent-input"


def _line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", MISSING, "-o", "x", "--scheduler", "bogus"], "expected tcp://HOST:PORT"),
        (["predict", MISSING, "-o", "x", "--scheduler", "tcp://localhost"], "tcp://HOST:PORT"),
        (["predict", MISSING, "-o", "x", "--model", ""], "--model is empty"),
        (["predict", "in.tif", "-o", "x", "--device", "cpu:99"], "does not exist"),
        (["simulate", "x", "--seed", "-1"], "argument --seed"),
        (["train", MISSING, "-o", "x", "--depth", "10", "--seed", "-1"], "argument --seed"),
        (["train", MISSING, "-o", "x", "--depth", "10", "--max-minutes", "0"], "above 0"),
        (["simulate", "x", "--shape", "100000", "100000"], "GiB of memory"),
        (["train", MISSING, "-o", "x", "--depth", "10", "--batch", "1000000"], "GiB of memory"),
        (["fetch-bbbc006", "x", "--base-url", "file:///tmp/"], "http(s)://HOST"),
    ],
    ids=[
        "scheduler-bogus",
        "scheduler-no-port",
        "empty-model",
        "cpu-99",
        "simulate-seed",
        "train-seed",
        "max-minutes-0",
        "simulate-shape",
        "train-batch",
        "file-url",
    ],
)
def test_cli_refuses_in_one_line(tmp_path, monkeypatch, capsys, argv, message):
    import tifffile

    monkeypatch.chdir(tmp_path)
    tifffile.imwrite(tmp_path / "in.tif", field((40, 48)))
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse refuses the value itself
        status = exc.code
    assert status == 2
    assert message in _line(capsys)
    assert not (tmp_path / "x").exists()


def test_demo_without_display_says_how_to_run_it(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setitem(sys.modules, "napari", None)  # Qt is never reached
    assert main(["demo", "--no-run"]) == 2
    assert "xvfb-run" in _line(capsys)


def test_full_disk_in_training_is_one_line_and_resume_says_why(tmp_path, monkeypatch):
    from safetensors import SafetensorError

    from napari_defocus_deblur.errors import CheckpointError
    from napari_defocus_deblur.training import train

    def full(*args, **kwargs):
        raise SafetensorError("Error while serializing: I/O error: No space left (os error 28)")

    monkeypatch.setattr("safetensors.torch.save_file", full)
    with pytest.raises(CheckpointError, match="disk full: free some space"):
        train(train_config(tmp_path / "run", steps=1), train_data())
    with pytest.raises(UserInputError, match="cannot resume"):
        train(train_config(tmp_path / "run", steps=1, resume=True), train_data())


def test_short_write_reads_disk_full():
    from napari_defocus_deblur.cli import _one_line

    assert _one_line(OSError("65536 requested and 9104 written")).startswith("disk full")
    assert _one_line(OSError(errno.ENOSPC, "No space left", "/x/y.tif")).startswith("disk full")


def test_epoch_zero_shows_no_training_loss(tmp_path, capsys):
    from tests.training.helpers import simulated_set

    sim = simulated_set(tmp_path / "sim", n_fields=4, shape=(48, 64))
    argv = ["train", str(sim), "--depth", "10", "--steps", "2", "-o", str(tmp_path / "m")]
    tiny = ["--scales", "2", "--base-channels", "4", "--levels", "2", "--crop", "32"]
    assert main([*argv, *tiny, "--batch", "2", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "train loss nan" not in out and "train loss     -" in out


def test_warnings_are_one_line_and_numpy_arithmetic_warnings_dropped(capsys):
    import warnings

    from napari_defocus_deblur.cli import _one_line_warnings

    with warnings.catch_warnings():
        _one_line_warnings()
        warnings.warn("3 pairs left out: no in-focus partner", UserWarning, stacklevel=1)
        warnings.warn("overflow encountered in multiply", RuntimeWarning, stacklevel=1)
    err = capsys.readouterr().err
    assert err == "warning: 3 pairs left out: no in-focus partner\n"


def test_damaged_tiff_gives_no_tifffile_log_lines(tmp_path, caplog):
    import tifffile

    from napari_defocus_deblur.io.tiff import read_image

    path = tmp_path / "bad.tif"
    tifffile.imwrite(path, field((64, 64)))
    data = bytearray(path.read_bytes())
    data[8:40] = b"\xff" * 32  # damage the first IFD
    path.write_bytes(bytes(data))
    with caplog.at_level("DEBUG", logger="tifffile"), pytest.raises(UserInputError):
        read_image(path)
    assert not [r for r in caplog.records if r.name.startswith("tifffile")]


def test_small_tile_message_names_the_tile_asked_for():
    from napari_defocus_deblur.inference.tiling import plan_axis

    with pytest.raises(UserInputError, match="tile size 20 is too small"):
        plan_axis(1000, 20, 8, 32)


def test_openvino_is_imported_with_telemetry_blocked(monkeypatch):
    pytest.importorskip("openvino")
    from napari_defocus_deblur.openvino_runtime import import_openvino

    monkeypatch.delitem(sys.modules, "openvino_telemetry", raising=False)
    import_openvino()
    with pytest.raises(ImportError):
        import openvino_telemetry  # noqa: F401


def test_tile_below_the_reach_is_enlarged_with_a_warning(monkeypatch):
    from napari_defocus_deblur.inference import deblur, reach

    fake = reach.Reach(margin=24, ramp=16, profile=(0.1,))
    monkeypatch.setattr(reach, "model_reach", lambda model, device="cpu": fake)
    image = field((200, 232), seed=3)
    net = tiny_model()
    whole = deblur(image, model=net, device="cpu", tile=256)
    with pytest.warns(UserWarning, match="using the safe tile 128"):
        tiled = deblur(image, model=net, device="cpu", tile=64)
    span = whole.max() - whole.min()
    assert np.abs(tiled - whole).max() <= 0.05 * span


def test_first_ctrl_c_ends_a_step_that_does_not_finish(monkeypatch):
    import os
    import signal
    import threading
    import time

    from napari_defocus_deblur.cli import train as train_cli

    monkeypatch.setattr(train_cli, "STOP_GRACE_S", 0.2)
    stop = threading.Event()
    previous = train_cli._install_sigint(stop)
    try:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)  # one Ctrl-C during an endless "step"
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
        assert stop.is_set()
    finally:
        train_cli._restore_sigint(previous)


def test_export_error_names_the_file_not_its_temporary(checkpoint, tmp_path, monkeypatch, capsys):
    from pathlib import Path

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    target = tmp_path / "m.onnx"
    assert main(["export", str(checkpoint), "--onnx", str(target)]) == 1
    err = _line(capsys)
    assert "disk full" in err and str(target) in err and ".partial" not in err
