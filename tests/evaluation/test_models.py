"""The evaluation finds its models through the catalogue (same zoo, same rule)."""

from __future__ import annotations

import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.models import bundled_dir, pick_model, scan_models
from napari_defocus_deblur.inference import save_model
from tests.inference.helpers import make_zoo, tiny_model


def test_bundled_models_come_from_the_catalogue_zoo(tmp_path, use_zoo):
    zoo = use_zoo(make_zoo(tmp_path / "zoo"))
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
