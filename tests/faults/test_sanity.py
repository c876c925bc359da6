"""Inputs and configs that gave silently wrong results: refused or flagged, one line each."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile
import torch
from safetensors.torch import load_file, save_file

from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.estimate import estimate_defocus
from napari_defocus_deblur.inference import deblur, load_model, save_model
from napari_defocus_deblur.inference.device import resolve_device
from tests.inference.helpers import field, tiny_model


@pytest.mark.parametrize("scale", [1e36, 1e-300])
def test_unrepresentable_intensities_are_refused(scale):
    image = field((48, 56)).astype(np.float64) * scale
    with pytest.raises(UserInputError, match="cannot be computed in float32"):
        deblur(image, model=tiny_model(), device="cpu")


def test_extreme_but_representable_intensities_keep_their_scale():
    image = field((48, 56)).astype(np.float64)
    net = tiny_model()
    base = deblur(image, model=net, device="cpu", backend="torch", precision="fp32")
    for scale in (1e30, 1e-20):
        out = deblur(image * scale, model=net, device="cpu", backend="torch", precision="fp32")
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out / scale, base, rtol=1e-3, atol=1e-3 * base.max())


@pytest.mark.parametrize(
    "image",
    [np.full((256, 256), 700.0), np.zeros((256, 256)), np.full((128, 128), 1e-3)],
    ids=["constant", "blank", "tiny"],
)
def test_no_signal_estimate_has_confidence_zero_and_a_reason(image):
    estimate = estimate_defocus(image)
    assert estimate.confidence == 0.0 and estimate.tiles == 0
    assert "no signal" in estimate.note


def test_checkerboard_is_not_read_as_a_distance():
    board = (np.indices((256, 256)).sum(0) % 2) * 1000.0 + 100.0
    estimate = estimate_defocus(board)
    assert estimate.confidence == 0.0 and "checkerboard" in estimate.note


def test_estimate_refuses_huge_values_and_non_arrays():
    with pytest.raises(UserInputError, match="within"):
        estimate_defocus(field((128, 128)).astype(np.float64) * 1e300)
    with pytest.raises(UserInputError, match="2-D array of pixel values"):
        estimate_defocus("abc")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"depth_um": -5}, "depth_um must be at least 0"),
        ({"depth_um": float("nan")}, "finite"),
        ({"fusion": "bad"}, "'sum' or 'concat'"),
    ],
)
def test_save_model_refuses_what_load_model_would(tmp_path, options, message):
    with pytest.raises(CheckpointError, match=message):
        save_model(tiny_model(), tmp_path / "m", **options)
    assert not (tmp_path / "m" / "config.json").exists()


def test_nan_information_is_never_a_json_nan_literal(tmp_path):
    folder = save_model(tiny_model(), tmp_path / "m", depth_um=10, metrics={"psnr": float("nan")})
    text = (folder / "config.json").read_text()
    assert "NaN" not in text and json.loads(text)["metrics"]["psnr"] is None


def test_unknown_checkpoint_format_is_refused(checkpoint):
    info = json.loads((checkpoint / "config.json").read_text())
    info["format"] = "evil/v9"
    (checkpoint / "config.json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="format"):
        load_model(checkpoint)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.round().to(torch.int32), "int32"),
        (lambda t: t * 1e30, "values up to"),
    ],
    ids=["int32", "x1e30"],
)
def test_absurd_weights_are_refused_at_load(checkpoint, change, message):
    path = checkpoint / "model.safetensors"
    tensors = {k: change(v.float()) for k, v in load_file(str(path)).items()}
    save_file(tensors, str(path))
    with pytest.raises(CheckpointError, match=message):
        load_model(checkpoint)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: deblur(np.ones((2, 40, 40)), model=tiny_model(), channel_axis=5), "channel_axis"),
        (lambda: deblur(np.ones((40, 40)), model=tiny_model(), progress=123), "progress must"),
        (lambda: deblur("x.tif", model=tiny_model()), "read the file first"),
        (lambda: deblur(np.float32(3), model=tiny_model()), "a single value"),
        (lambda: resolve_device("cpu:99"), "does not exist"),
    ],
    ids=["channel-axis", "progress", "file-name", "scalar", "cpu-99"],
)
def test_api_arguments_out_of_range_are_refused(call, message):
    with pytest.raises(UserInputError, match=message):
        call()


def test_reader_refuses_plane_numbers_beyond_33(tmp_path):
    from napari_defocus_deblur.io.bbbc006 import discover

    folder = tmp_path / "BBBC006_v1_images_z_99"
    folder.mkdir()
    tifffile.imwrite(folder / "mcf-z-stacks-03212011_a01_s1_w1abc.tif", field((32, 32)))
    with pytest.raises(UserInputError, match=r"numbered 00\.\.33"):
        discover(folder)


def test_uneven_planes_keep_their_true_spacing():
    from napari_defocus_deblur.io.bbbc006_layer import even_planes
    from napari_defocus_deblur.io.display import z_step_um

    planes = even_planes([0, 16, 21, 33])
    assert planes == list(range(34)) and z_step_um(planes) == 2.0
    assert even_planes([16, 33]) == [16, 33] and even_planes([0, 16, 33]) == [0, 16, 33]


def test_empty_tiff_is_refused(tmp_path):
    from napari_defocus_deblur.io.tiff import read_image

    path = tmp_path / "empty.tif"
    tifffile.imwrite(path, np.zeros((520, 0), np.uint16))
    with pytest.raises(UserInputError, match="empty"):
        read_image(path)


def test_multi_series_tiff_is_refused_by_predict(tmp_path, checkpoint, capsys):
    from napari_defocus_deblur.cli import main
    from tests.faults.helpers import predict_args

    path = tmp_path / "in" / "two-series.tif"
    path.parent.mkdir()
    with tifffile.TiffWriter(path) as tif:
        tif.write(field((40, 48), seed=1))
        tif.write(field((36, 40), seed=2))
    assert main(predict_args(path, tmp_path / "out", checkpoint)) == 1
    assert "holds 2 image series" in capsys.readouterr().err
