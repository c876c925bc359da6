"""ONNX and TorchScript files reproduce the PyTorch network; ``defocus-deblur export``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.inference import save_model
from napari_defocus_deblur.model.traced import (
    check_traced,
    export_onnx,
    export_torchscript,
    load_torchscript,
    run_onnx,
    with_passes,
)
from tests.inference.helpers import tiny_model

NETWORKS = {
    "head-to-tail": {},
    "conditioned": {"condition": "depth"},
    "nah": {"architecture": "nah", "scales": 2, "nah_channels": 8, "nah_resblocks": 1},
}


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Small networks run fastest on one thread."""


def _inputs(net, shape):
    x = torch.rand(*shape, generator=torch.Generator().manual_seed(1))
    if not net.config.conditioned:
        return x, None
    return x, torch.linspace(10.0, 34.0, shape[0]).reshape(-1, 1)


def _expected(net, x, depth):
    with torch.no_grad():
        return (net(x) if depth is None else net(x, depth.reshape(-1))).numpy()


@pytest.mark.parametrize("options", NETWORKS.values(), ids=NETWORKS.keys())
def test_exports_reproduce_the_network_at_any_size(tmp_path, options):
    net = tiny_model(**options)
    if net.config.conditioned:  # make the depth matter
        with torch.no_grad():
            net.heads[0].enc[0].weight[:, -1] += 0.5
    onnx = export_onnx(net, tmp_path / "m.onnx")
    script = export_torchscript(net, tmp_path / "m.pt")
    traced = load_torchscript(script)
    for shape in [(1, 1, 37, 45), (3, 1, 64, 80), (2, 1, 131, 100)]:
        x, depth = _inputs(net, shape)
        expected = _expected(net, x, depth)
        args = [x] if depth is None else [x, depth]
        got_onnx = run_onnx(onnx, [a.numpy() for a in args])
        got_script = traced(*args).numpy()
        assert got_onnx.shape == got_script.shape == shape
        np.testing.assert_allclose(got_onnx, expected, rtol=1e-5, atol=2e-5)
        np.testing.assert_allclose(got_script, expected, rtol=1e-5, atol=2e-5)
    if net.config.conditioned:  # the depth input is really used
        x, depth = _inputs(net, (2, 1, 40, 40))
        other = run_onnx(onnx, [x.numpy(), (depth + 20.0).numpy()])
        assert np.abs(other - _expected(net, x, depth)).max() > 1e-3


def test_onnx_runs_without_onnxruntime_too(tmp_path, monkeypatch):
    import sys

    net = tiny_model()
    path = export_onnx(net, tmp_path / "m.onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # OpenVINO runs it instead
    assert check_traced(net, path) < 1e-4


def test_cli_writes_onnx_and_torchscript(tmp_path, capsys):
    net = tiny_model(seed=3)
    save_model(net, tmp_path / "ckpt", depth_um=22)
    onnx, script = tmp_path / "out" / "m.onnx", tmp_path / "m.pt"
    (tmp_path / "out").mkdir()
    argv = ["export", str(tmp_path / "ckpt"), "--onnx", str(onnx), "--torchscript", str(script)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"wrote {onnx} (onnx; reproduces the model: max |difference| = ")
    assert lines[1].startswith(f"wrote {script} (torchscript; reproduces")
    averaged = with_passes(net, 4, 1)  # the default: what the plugin's "auto" gives
    assert check_traced(averaged, onnx) < 1e-4 and check_traced(averaged, script) < 1e-4
    assert check_traced(net, onnx) > 1e-3  # not the one pass
    assert getattr(net, "mirror_views", 1) == 1  # the loaded model is left as it was
    assert not list(tmp_path.glob("**/*.partial"))  # written atomically
    for options, views, phases in [("--phases 4", 1, 4), ("--views 1 --phases 1", 1, 1)]:
        out = tmp_path / f"{views}-{phases}.onnx"
        argv = ["export", str(tmp_path / "ckpt"), "--onnx", str(out), *options.split()]
        assert main(argv) == 0
        assert check_traced(with_passes(net, views, phases), out) < 1e-4


@pytest.mark.parametrize(("views", "phases"), [(4, 1), (1, 4), (4, 2)])
@pytest.mark.parametrize(
    "options", [NETWORKS["conditioned"], NETWORKS["nah"]], ids=["cond", "nah"]
)
def test_averaged_exports_reproduce_the_averaged_network(tmp_path, options, views, phases):
    net = with_passes(tiny_model(**options), views, phases)
    onnx = export_onnx(net, tmp_path / "m.onnx")
    traced = load_torchscript(export_torchscript(net, tmp_path / "m.pt"))
    for shape in [(1, 1, 37, 45), (3, 1, 64, 80), (2, 1, 50, 67)]:  # odd, even, mixed sides
        x, depth = _inputs(net, shape)
        expected = _expected(net, x, depth)
        args = [x] if depth is None else [x, depth]
        np.testing.assert_allclose(
            run_onnx(onnx, [a.numpy() for a in args]), expected, rtol=1e-5, atol=2e-5
        )
        np.testing.assert_allclose(traced(*args).numpy(), expected, rtol=1e-5, atol=2e-5)
    one_pass = _expected(with_passes(net, 1, 1), x, depth)
    assert np.abs(one_pass - expected).max() > 1e-3


def test_counts_other_than_the_allowed_are_refused():
    from napari_defocus_deblur.errors import UserInputError

    with pytest.raises(UserInputError, match="pixel phases must be 1, 2 or 4"):
        with_passes(tiny_model(), 1, 3)
    with pytest.raises(UserInputError, match="mirror views must be 1 or 4"):
        with_passes(tiny_model(), 2, 1)


def test_cli_export_errors_are_one_line(tmp_path, capsys):
    save_model(tiny_model(), tmp_path / "ckpt", depth_um=22)
    assert main(["export", str(tmp_path / "ckpt"), "--onnx", str(tmp_path / "m.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--onnx" in err and "must end in .onnx" in err
    with pytest.raises(SystemExit) as exc:
        main(["export", str(tmp_path / "ckpt")])
    assert exc.value.code == 2
    assert "at least one of --bioimageio, --onnx, --torchscript" in capsys.readouterr().err
    for bad in (["--views", "2"], ["--phases", "3"]):
        with pytest.raises(SystemExit) as exc:
            main(["export", str(tmp_path / "ckpt"), "--onnx", str(tmp_path / "m.onnx"), *bad])
        assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


def test_onnx_results_own_their_memory(tmp_path):
    """ONNX Runtime's arrays keep their session's arena alive; ours are copies."""
    net = tiny_model()
    path = export_onnx(net, tmp_path / "m.onnx")
    out = run_onnx(path, [np.zeros((1, 1, 40, 40), np.float32)])
    assert out.flags["OWNDATA"] and out.base is None
