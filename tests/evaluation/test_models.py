"""The evaluation finds its models through the catalogue (same zoo, same rule)."""

from __future__ import annotations

import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.models import bundled_dir, pick_model, scan_models
from napari_defocus_deblur.inference import save_model
from tests.inference.helpers import make_zoo, tiny_model


def test_bundled_models_come_from_the_catalogue_zoo(tmp_path, use_zoo):
    zoo = use_zoo(make_zoo(tmp_path / "zoo"), "sum")
    assert bundled_dir() == zoo
    found = scan_models(None)
    assert sorted(e.name for e in found) == ["tiny-10um-sum", "tiny-28um-concat", "tiny-34um-sum"]
    assert pick_model(found, "sum", 34.0, 1).name == "tiny-34um-sum"
    assert pick_model(found, "sum", 22.0, 1) is None  # evaluation wants the trained distance


def test_user_folder_pooled_models_and_channels(tmp_path, empty_zoo):
    save_model(tiny_model(1), tmp_path / "m" / "pooled", depths_um=[10.0, 34.0], channel=2)
    found = scan_models(tmp_path / "m")
    assert [e.path.name for e in found] == ["pooled"]
    assert pick_model(found, "sum", 34.0, 2).path.name == "pooled"
    assert pick_model(found, "sum", 34.0, 1) is None
    with pytest.raises(UserInputError, match="models folder not found"):
        scan_models(tmp_path / "missing")


def test_a_learned_model_is_told_the_distance_being_evaluated(tmp_path, monkeypatch):
    """Depth-conditioned models are told the table's distance (today's main told every
    distance the API default, 34 µm); the run's backend is resolved once and reused."""
    import numpy as np

    from napari_defocus_deblur.evaluation.models import LoadedModel
    from napari_defocus_deblur.inference import api
    from napari_defocus_deblur.inference.catalogue import read_entry
    from napari_defocus_deblur.inference.device import resolve_backend
    from napari_defocus_deblur.model import condition_on_depth
    from tests.inference.helpers import field

    path = save_model(condition_on_depth(tiny_model()), tmp_path / "cond", depths_um=[10.0, 34.0])
    told = []
    real = api.plan_run
    monkeypatch.setattr(api, "plan_run", lambda *a, **k: told.append(a[1:5]) or real(*a, **k))
    runtime = resolve_backend("torch", "fp32", "cpu")
    net = LoadedModel(read_entry(path, bundled=False), runtime, 10.0)
    out = net(field((48, 56)))
    assert out.shape == (48, 56) and np.isfinite(out).all()
    assert told[0][0] == 10.0 and told[0][3] is runtime
    # BBBC006 planes above the reference (evaluate --side above): as deblur(side="above")
    plans = []
    monkeypatch.setattr(api, "plan_run", lambda *a, **k: plans.append(real(*a, **k)) or plans[-1])
    LoadedModel(read_entry(path, bundled=False), runtime, 10.0, "above")(field((48, 56)))
    assert plans[0].depths_um.tolist() == [8.375] and plans[0].planes[0].stage_um == 10.0
