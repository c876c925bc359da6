"""The first Run and the first training find their heavy imports done (issue 23: GUI
stalls): the docks start a background warm-up, follow the layer list once, and write
their settings only when a value changed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from tests.widgets.conftest import dock


def test_warm_up_imports_what_the_first_jobs_would_import_on_the_gui_side():
    """In a fresh interpreter (the test process has imported everything already)."""
    code = (
        "import sys\n"
        "from napari_defocus_deblur.widgets._warm import ready, warm_up\n"
        "assert 'torch._dynamo' not in sys.modules and 'scipy.stats' not in sys.modules\n"
        "warm_up().join(120)\n"
        "assert warm_up() is None and ready.is_set() and sys.getswitchinterval() == 0.005\n"
        "needed = ('torch._dynamo', 'scipy.stats', 'skimage.metrics.simple_metrics',\n"
        "          'skimage.registration')\n"
        "print([m for m in needed if m not in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=180, check=True
    )
    assert out.stdout.strip() == "[]"


def test_a_docked_widget_follows_a_new_layer_once(make_napari_viewer, monkeypatch):
    """napari resets a docked widget's choices itself; a second reset doubled the work
    on every layer the widgets add (result, preview)."""
    from napari_defocus_deblur.widgets.deblur import DeblurWidget

    calls = []
    original = DeblurWidget.reset_choices
    monkeypatch.setattr(
        DeblurWidget, "reset_choices", lambda self, *a: (calls.append(1), original(self, *a))
    )
    viewer = make_napari_viewer()
    dock(viewer, "Deblur")
    calls.clear()
    viewer.add_image(np.ones((32, 32), np.float32), name="new")
    assert len(calls) == 1


def test_settings_are_written_only_when_a_value_changed(make_napari_viewer, monkeypatch):
    import napari_defocus_deblur.io.atomic as atomic

    viewer = make_napari_viewer()
    widget = dock(viewer, "Deblur")
    writes = []
    write = atomic.atomic_write_text
    monkeypatch.setattr(
        atomic, "atomic_write_text", lambda *a, **k: (writes.append(1), write(*a, **k))
    )
    widget.settings.depth_um.value = 21.5
    assert writes
    writes.clear()
    widget.settings.save()  # what a layer-list reset re-emitting the same values does
    viewer.add_image(np.ones((32, 32), np.float32), name="new")
    assert writes == []
