"""deblur / iter_deblur: shapes, dtypes, intensities, tiling, progress and input errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import TileProgress, deblur, iter_deblur
from napari_defocus_deblur.normalization import PercentileNormalization, denormalize, normalize
from tests.inference.helpers import backend_tolerance, field, tiny_model


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((40, 52), np.uint16), ((3, 40, 52), np.float32), ((2, 2, 36, 40), np.uint8)],
)
def test_shapes_and_dtypes(model, shape, dtype):
    image = field(shape[-2:], dtype=np.float32)
    image = np.broadcast_to(image, shape).astype(dtype)
    out = deblur(image, model=model, device="cpu")
    assert out.shape == shape
    assert out.dtype == np.float32
    same = deblur(image, model=model, device="cpu", output_dtype="input")
    assert same.shape == shape
    assert same.dtype == dtype


def test_planes_are_processed_independently(model):
    a, b = field(seed=1), field(seed=2)
    stack = deblur(np.stack([a, b]), model=model, device="cpu")
    np.testing.assert_allclose(
        stack[1], deblur(b, model=model, device="cpu"), rtol=1e-5, atol=1e-2
    )


def test_output_is_model_on_normalised_input_mapped_back(model):
    image = field((48, 64))
    lo, hi = PercentileNormalization().bounds(image)
    with torch.no_grad():
        x = torch.from_numpy(normalize(image, lo, hi))[None, None]
        expected = denormalize(model(x)[0, 0].numpy(), lo, hi)
    scale = expected.max() - expected.min()
    one = {"model": model, "device": "cpu", "phases": 1}  # one network pass, as above
    out = deblur(image, backend="torch", precision="fp32", **one)
    assert np.abs(out - expected).max() < 1e-4 * scale
    auto = deblur(image, **one)  # this CPU's automatic backend
    assert np.abs(auto - expected).max() < backend_tolerance() * scale


@pytest.fixture
def overshooting():
    """A random network with v1/v2 transposed convolutions: its output overshoots the
    input's range by far, which the range and tiling checks below need."""
    return tiny_model(upsample="transpose")


def test_intensity_scale_is_preserved(overshooting):
    model = overshooting
    image = field((48, 64))  # 12-bit values in uint16
    out = deblur(image, model=model, device="cpu")
    scaled = deblur(image.astype(np.uint16) * 16 + 100, model=model, device="cpu")
    np.testing.assert_allclose(scaled, out * 16 + 100, rtol=1e-4, atol=0.05 * 16)
    assert out.max() > 1000  # not squeezed into 0..255
    as_input = deblur(image, model=model, device="cpu", output_dtype="input")
    assert as_input.max() > 1000


def test_constant_image_stays_constant(model):
    out = deblur(np.full((40, 40), 1000, np.uint16), model=model, device="cpu")
    np.testing.assert_allclose(out, 1000.0, atol=1e-3)


def test_output_dtype_input_rounds_and_clips(overshooting):
    model = overshooting
    image = (field((40, 48)) // 16).astype(np.uint8)  # 8-bit camera data, 0..255
    # one pass: the mean of several tames the overshoot this test needs
    out = deblur(image, model=model, device="cpu", views=1, phases=1)
    assert out.max() > 255  # the random network overshoots: clipping is exercised
    as_input = deblur(image, model=model, device="cpu", views=1, phases=1, output_dtype="input")
    assert as_input.dtype == np.uint8
    np.testing.assert_array_equal(as_input, np.clip(np.rint(out), 0, 255).astype(np.uint8))
    as_u16 = deblur(image, model=model, device="cpu", views=1, phases=1, output_dtype=np.uint16)
    assert as_u16.max() > 255  # an explicit wider type is not clipped to the input's range
    with pytest.raises(UserInputError, match="output_dtype"):
        deblur(image, model=model, device="cpu", views=1, phases=1, output_dtype="complex64")


def test_tiled_matches_whole_image(overshooting):
    model = overshooting
    image = field((200, 232), seed=3)
    events = []
    whole = deblur(image, model=model, device="cpu", tile=1024)
    tiled = deblur(image, model=model, device="cpu", tile=128, overlap=96, progress=events.append)
    assert events[-1].total > 4  # really tiled
    span = whole.max() - whole.min()
    assert np.abs(tiled - whole).max() <= 0.01 * span
    seams = deblur(image, model=model, device="cpu", tile=64, overlap=8)
    assert np.abs(seams - whole).max() > 0.01 * span  # the check can fail


def test_progress_events(model):
    stack = np.stack([field((40, 60), seed=s) for s in range(3)])
    gen = iter_deblur(stack, model=model, device="cpu", tile=32, overlap=16)
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            result = stop.value
            break
    assert result.shape == stack.shape
    assert events[0] == TileProgress(0, events[0].total, 0, 3)
    assert events[-1].done == events[-1].total
    assert [e.done for e in events] == sorted(e.done for e in events)
    assert {e.plane for e in events} == {0, 1, 2}
    assert events[-1].fraction == 1.0
    np.testing.assert_allclose(
        result, deblur(stack, model=model, device="cpu", tile=32, overlap=16), atol=1e-4
    )


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.full((32, 32), np.nan, np.float32), "NaN or infinite"),
        (np.array([[0.0, np.inf]] * 20, np.float32).repeat(10, 1), "NaN or infinite"),
        (np.zeros((0, 32), np.float32), "empty"),
        (np.zeros((1, 1), np.uint16), "1x1 pixels is too small"),
        (np.zeros((10, 100), np.uint16), "at least 16"),
        (np.zeros(100, np.uint16), "2-D image"),
        (np.zeros((64, 64, 3), np.uint8), "RGB"),
        (np.zeros((64, 64, 4), np.uint16), "RGB"),
        (np.zeros((32, 32), bool), "pixel type bool"),
    ],
)
def test_bad_images_raise_clear_errors(model, image, message):
    with pytest.raises(UserInputError, match=message):
        deblur(image, model=model, device="cpu")


def test_bad_options(model):
    image = field((32, 32))
    with pytest.raises(UserInputError, match="tile must be an integer"):
        deblur(image, model=model, device="cpu", tile=4)
    with pytest.raises(UserInputError, match="overlap must be an integer"):
        deblur(image, model=model, device="cpu", overlap=-1)
    with pytest.raises(UserInputError, match="too small for overlap"):
        deblur(field((100, 100)), model=model, device="cpu", tile=32, overlap=30)
    with pytest.raises(UserInputError, match="unknown precision"):
        deblur(image, model=model, device="cpu", precision="fp8")
    with pytest.raises(UserInputError, match="model must be a network"):
        deblur(image, model=torch.nn.Conv2d(1, 1, 3), device="cpu")


def test_multichannel_model_takes_channels_together():
    net = tiny_model(in_channels=2, out_channels=2)
    image = np.stack([field((40, 48), seed=s) for s in range(6)]).reshape(3, 2, 40, 48)
    out = deblur(image, model=net, device="cpu")
    assert out.shape == image.shape
    moved = deblur(np.moveaxis(image, 1, 0), model=net, device="cpu", channel_axis=0)
    np.testing.assert_allclose(np.moveaxis(moved, 0, 1), out, atol=1e-4)
    with pytest.raises(UserInputError, match="takes 2 channels but axis"):
        deblur(image[:, :1], model=net, device="cpu")


def test_weight_changes_are_seen_and_model_is_not_modified(model):
    image = field((40, 40))
    before = deblur(image, model=model, device="cpu")
    assert next(model.parameters()).is_contiguous()  # not converted to channels-last
    with torch.no_grad():
        model.heads[0].out.weight.mul_(2.0)
    after = deblur(image, model=model, device="cpu")
    assert np.abs(after - before).max() > 1.0
