"""bioimage.io packages pass bioimageio.core's test (skipped without the bioimageio extra)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import torch
import yaml

pytest.importorskip("bioimageio.core")

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.export import check_package, content, export_bioimageio
from napari_defocus_deblur.export.bioimageio import check_output_path, package_name
from napari_defocus_deblur.inference import save_model
from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.traced import with_passes

NORM = {"low": 2.0, "high": 99.5, "method": "percentile"}


def _checkpoint(root, seed=0, **options):
    torch.manual_seed(seed)
    net = build_model(**{"scales": 2, "base_channels": 8, "levels": 3, **options}).eval()
    path = save_model(
        net, root / "tiny-28um", depth_um=28, normalization=NORM, channel=2, name="tiny-28um"
    )
    return net, path


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("bioimageio")
    net, ckpt = _checkpoint(root)
    result = export_bioimageio(ckpt, root / "tiny.zip", test_size=64, authors=["A. Tester"])
    return net, result


@pytest.fixture(scope="module")
def summary(exported):
    return check_package(exported[1].path)


def _read(path, name):
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def test_bioimageio_core_test_passes(summary):
    failed = [d.name for d in summary.details if d.status == "failed"]
    assert summary.status == "passed", failed
    names = " ".join(d.name for d in summary.details)
    for weights in ("pytorch_state_dict", "torchscript", "onnx"):
        assert f"Reproduce test outputs from test inputs ({weights})" in names


def test_package_contents_and_description(exported):
    net, result = exported
    assert result.name == "defocus deblur tiny-28um (head-to-tail K2 sum)"
    assert result.test_shape == (1, 1, 80, 80)
    assert result.standalone_max_abs_diff == 0.0
    assert result.weights_max_abs_diff["pytorch_state_dict"] == 0.0
    assert result.weights_max_abs_diff["torchscript"] < 1e-4
    assert result.weights_max_abs_diff["onnx"] < 1e-4
    with zipfile.ZipFile(result.path) as zf:
        files = set(zf.namelist())
    assert files == {
        "rdf.yaml", "README.md", "cover.png", "weights.pt", "defocus_deblur_architecture.py",
        "weights_torchscript.pt", "weights.onnx",
        "test_input.npy", "test_output.npy", "sample_input.tif", "sample_output.tif",
    }  # fmt: skip
    rdf = yaml.safe_load(_read(result.path, "rdf.yaml"))
    assert rdf["format_version"].startswith("0.5.") and rdf["type"] == "model"
    assert rdf["license"] == "BSD-3-Clause"
    assert {c["doi"] for c in rdf["cite"]} == {"10.48550/arXiv.2201.02876", "10.1038/nmeth.2083"}
    assert rdf["authors"] == [{"name": "A. Tester"}]
    assert "phalloidin" in rdf["description"] and "28 um from focus" in rdf["description"]
    (inp,) = rdf["inputs"]
    assert [a["type"] for a in inp["axes"]] == ["batch", "channel", "space", "space"]
    assert [a.get("id") for a in inp["axes"][2:]] == ["y", "x"]
    assert inp["axes"][2]["size"] == {"min": 80, "step": 1}  # any size: padded inside
    assert inp["pad"] == {"mode": "reflect"}
    (scale_range,) = [p for p in inp["preprocessing"] if p["id"] == "scale_range"]
    assert scale_range["kwargs"] == {
        "axes": ["y", "x"], "min_percentile": 2.0, "max_percentile": 99.5
    }  # fmt: skip
    (out,) = rdf["outputs"]
    assert out["axes"][3] == {
        "halo": 32, "size": {"tensor_id": "input", "axis_id": "x"}, "id": "x",
        "type": "space", "unit": "micrometer", "scale": 0.645,
    }  # fmt: skip
    assert set(rdf["weights"]) == {"pytorch_state_dict", "torchscript", "onnx"}
    assert rdf["weights"]["torchscript"]["parent"] == "pytorch_state_dict"
    assert rdf["weights"]["onnx"]["parent"] == "pytorch_state_dict"
    assert rdf["weights"]["onnx"]["opset_version"] == 17
    weights = rdf["weights"]["pytorch_state_dict"]
    assert weights["architecture"]["callable"] == "build_network"
    averaging = {"pixel_phases": 1, "mirror_views": 4}  # the default: the plugin's views
    assert weights["architecture"]["kwargs"] == {**net.config.to_dict(), **averaging}
    assert rdf["config"]["napari_defocus_deblur"]["normalization"] == NORM


def test_weights_and_test_tensors_are_our_model(exported):
    net, result = exported
    state = torch.load(io.BytesIO(_read(result.path, "weights.pt")), weights_only=True)
    assert state.keys() == net.state_dict().keys()
    assert all(torch.equal(state[k], v) for k, v in net.state_dict().items())
    x = np.load(io.BytesIO(_read(result.path, "test_input.npy")))
    y = np.load(io.BytesIO(_read(result.path, "test_output.npy")))
    lo, hi = np.percentile(x[0, 0], [NORM["low"], NORM["high"]])
    normalised = torch.from_numpy((x - lo) / (hi - lo)).float()
    with torch.no_grad():
        expected = with_passes(net, 4, 1)(normalised).numpy()  # the default: 4 mirror views
        one_pass = net(normalised).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    assert np.abs(y - one_pass).max() > 1e-3


def test_wrong_test_output_fails_the_test(tmp_path, monkeypatch):
    """bioimageio test really compares values: a package with a shifted output fails."""
    _, ckpt = _checkpoint(tmp_path, seed=1)
    run = content.run_network
    monkeypatch.setattr(content, "run_network", lambda m, x: run(m, x) + 0.5)
    result = export_bioimageio(ckpt, tmp_path / "bad.zip", test_size=16)
    summary = check_package(result.path)
    assert summary.status == "valid-format"  # the description is fine, the numbers are not
    failed = [d.name for d in summary.details if d.status == "failed"]
    assert any("Reproduce test outputs" in name for name in failed)


def test_output_path_checks(tmp_path, monkeypatch):
    with pytest.raises(UserInputError, match=r"must be a \.zip file"):
        check_output_path(tmp_path / "model.yaml")
    with pytest.raises(UserInputError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "m.zip")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserInputError, match="is not a folder"):
        check_output_path(tmp_path / "file" / "m.zip")
    monkeypatch.setattr("os.access", lambda *a, **k: False)
    with pytest.raises(UserInputError, match="permission denied"):
        check_output_path(tmp_path / "m.zip")


def test_package_names(exported):
    net, _ = exported
    assert package_name(net, {}) == "defocus deblur (head-to-tail K2 sum)"
    assert package_name(net, {"name": "my/model=1"}) == (
        "defocus deblur my-model-1 (head-to-tail K2 sum)"
    )
    assert package_name(net, {}, "Nuclei deblur (34 um)") == "Nuclei deblur (34 um)"
    with pytest.raises(UserInputError, match="not allowed"):
        package_name(net, {}, "µ-deblur")


def test_depth_conditioned_package_passes_with_a_depth_input(tmp_path):
    torch.manual_seed(2)
    net = build_model(scales=2, base_channels=8, levels=3, condition="depth").eval()
    with torch.no_grad():  # make the depth matter
        net.heads[0].enc[0].weight[:, -1] += 0.5
    ckpt = save_model(net, tmp_path / "cond", depth_um=22, name="cond-22um")
    result = export_bioimageio(ckpt, tmp_path / "cond.zip", test_size=16)
    assert max(result.weights_max_abs_diff.values()) < 1e-4
    rdf = yaml.safe_load(_read(result.path, "rdf.yaml"))
    assert [t["id"] for t in rdf["inputs"]] == ["input", "depth"]
    assert np.load(io.BytesIO(_read(result.path, "test_depth.npy"))).tolist() == [[22.0]]
    summary = check_package(result.path)
    failed = [d.name for d in summary.details if d.status == "failed"]
    assert summary.status == "passed", failed
