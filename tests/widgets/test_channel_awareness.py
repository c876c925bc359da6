"""A w2 (phalloidin) image with the w1 (nuclei) model: the widget warns and offers a fix."""

from __future__ import annotations

import numpy as np
import pytest

from tests.widgets.conftest import dock, make_checkpoint

SHAPE = (48, 64)


@pytest.fixture
def sample(make_napari_viewer):
    from napari_defocus_deblur.simulate.sample import make_sample_field

    viewer = make_napari_viewer()
    for data, kwargs, _ in make_sample_field(shape=SHAPE):
        viewer.add_image(data, **kwargs)
    widget = dock(viewer, "Deblur")
    widget.settings.live_preview.value = False
    return viewer, widget


def test_w2_layer_with_the_w1_model_warns_and_says_no_model_fits(sample, qtbot, notes):
    viewer, widget = sample
    narrow = widget[0].native.minimumSizeHint().width()
    widget.select_image(viewer.layers["w2 phalloidin 34 µm"])
    assert widget[0].native.minimumSizeHint().width() <= narrow  # the text wraps instead
    assert widget.model_choice().name == "bbbc006-unet" and widget.model_choice().channel == 1
    message = widget.channel_message
    assert message.startswith(
        "'w2 phalloidin 34 µm' is channel 2 (phalloidin), but 'bbbc006-unet' was trained on "
        "channel 1 (Hoechst 33342)"
    )
    assert "No installed model is trained on channel 2 (phalloidin)" in message
    assert widget.channel.warning.value == f"⚠ {message}"
    assert not widget.channel.warning.native.isHidden()
    assert widget.channel.use_button.native.isHidden()  # nothing to offer
    assert widget.compare.reference.value.name == "w2 phalloidin in focus"  # its own twin
    widget.select_image(viewer.layers["w1 Hoechst 33342 34 µm"])
    assert widget.channel_message is None and widget.channel.warning.native.isHidden()


def test_matching_model_is_offered_and_one_click_selects_it(sample, tmp_path, qtbot, notes):
    viewer, widget = sample
    w2 = make_checkpoint(tmp_path / "actin-34um", 34.0, channel=2)
    widget.add_model(w2)
    widget.settings.model.value = "auto"
    widget.select_image(viewer.layers["w2 phalloidin 34 µm"])
    # auto prefers the model of the image's channel: no warning at all
    assert widget.model_choice().path == w2.resolve() and widget.channel_message is None
    bundled = next(m for m in widget.models if m.name == "bbbc006-sum")
    widget.settings.model.value = str(bundled.path)
    assert widget.channel_message is not None
    assert widget.channel.offered.path == w2.resolve()
    assert widget.channel.use_button.text == "Use actin-34um"
    assert not widget.channel.use_button.native.isHidden()
    widget.channel.use_button.native.click()
    assert widget.settings.model.value == str(w2.resolve())
    assert widget.channel_message is None and widget.channel.use_button.native.isHidden()


def test_running_anyway_repeats_the_warning_as_a_notification(sample, qtbot, notes):
    viewer, widget = sample
    widget.select_image(viewer.layers["w2 phalloidin 34 µm"])
    widget.run_button.native.click()
    qtbot.waitUntil(lambda: not widget.jobs.busy, timeout=120_000)
    message = widget.channel_message
    assert notes["warning"] == [message.split(";")[0] + "\ndetails: the Deblur panel"]
    assert len(notes["warning"][0]) < 150 < len(message)  # short; the panel has it all
    assert "w2 phalloidin 34 µm · deblurred 34 µm unet" in viewer.layers


def test_layer_without_channel_information_never_warns(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.add_image(np.ones((32, 32), np.float32), name="my image")
    widget = dock(viewer, "Deblur")
    assert widget.image.value.name == "my image"
    assert widget.channel_message is None
