"""Saving, loading (cached, safe), listing and depth-based selection of models."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from napari_defocus_deblur import __version__
from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.inference import (
    available_models,
    deblur,
    load_model,
    save_model,
    select_model,
)
from napari_defocus_deblur.model import count_parameters
from napari_defocus_deblur.normalization import PercentileNormalization
from tests.inference.helpers import field, tiny_model


def test_save_load_round_trip_gives_identical_outputs(model, checkpoint):
    image = field((48, 56))
    loaded = load_model(checkpoint)
    assert loaded is not model
    np.testing.assert_array_equal(
        deblur(image, model=loaded, device="cpu"), deblur(image, model=model, device="cpu")
    )
    np.testing.assert_array_equal(
        deblur(image, model=str(checkpoint), device="cpu"),
        deblur(image, model=model, device="cpu"),
    )


def test_saved_config_has_depth_fusion_normalisation_provenance(checkpoint):
    info = json.loads((checkpoint / "config.json").read_text())
    assert info["depth_um"] == 34.0
    assert info["fusion"] == "sum"
    assert info["normalization"] == {"low": 1.0, "high": 99.8, "method": "percentile"}
    assert info["provenance"]["version"] == __version__
    assert info["provenance"]["created"][:2] == "20"
    assert info["model"]["scales"] == 2
    assert info["name"] == "tiny-34um"


def test_load_model_is_cached_until_the_files_change(model, checkpoint, monkeypatch):
    from napari_defocus_deblur.model import checkpoint as checkpoints

    first = load_model(checkpoint)
    reads = []
    real = checkpoints.load_checkpoint
    monkeypatch.setattr(
        checkpoints, "load_checkpoint", lambda *a, **k: reads.append(a) or real(*a, **k)
    )
    again = load_model(checkpoint)
    assert reads == []  # served from the cache
    assert first.checkpoint_name == again.checkpoint_name == "tiny-34um"
    assert first.checkpoint_info["depth_um"] == 34.0
    save_model(tiny_model(seed=5), checkpoint, depth_um=34)
    os.utime(checkpoint / "model.safetensors", ns=(1, 10**18))
    changed = load_model(checkpoint)
    assert len(reads) == 1
    assert not torch.equal(next(changed.parameters()), next(first.parameters()))


def test_every_load_model_call_gets_its_own_copy(pooled_zoo):
    image = field((48, 56))
    before = deblur(image, model="bbbc006-sum", device="cpu")
    mine = load_model("bbbc006-sum")
    assert mine is not load_model("bbbc006-sum")
    mine.to(torch.bfloat16).train()
    with torch.no_grad():
        next(mine.parameters()).mul_(0)
    assert next(load_model("bbbc006-sum").parameters()).dtype == torch.float32
    np.testing.assert_array_equal(deblur(image, model="bbbc006-sum", device="cpu"), before)


def test_checkpoint_normalisation_is_used(model, tmp_path):
    image = field((48, 56))
    path = save_model(model, tmp_path / "minmax", normalization=PercentileNormalization(0, 100))
    fp32 = {"device": "cpu", "backend": "torch", "precision": "fp32", "phases": 1}  # = model(x)
    out = deblur(image, model=path, **fp32)
    assert np.abs(out - deblur(image, model=model, **fp32)).max() > 1.0
    lo, hi = float(image.min()), float(image.max())
    import torch

    with torch.no_grad():
        x = torch.from_numpy((image.astype(np.float32) - lo) / (hi - lo))[None, None]
        expected = model(x)[0, 0].numpy() * (hi - lo) + lo
    np.testing.assert_allclose(out, expected, atol=1e-3 * (hi - lo))


def test_pickle_checkpoint_is_refused(checkpoint):
    (checkpoint / "model.pt").write_bytes(b"not loaded")
    with pytest.raises(CheckpointError, match=r"pickle-format files .*model\.pt"):
        load_model(checkpoint)


def test_wrong_shapes_are_refused(checkpoint):
    tensors = load_file(str(checkpoint / "model.safetensors"))
    key = next(k for k in tensors if k.endswith("weight"))
    tensors[key] = tensors[key][:1].contiguous()
    save_file(tensors, str(checkpoint / "model.safetensors"))
    with pytest.raises(CheckpointError, match="wrong shapes"):
        load_model(checkpoint)


def test_corrupt_weights_are_refused(checkpoint):
    (checkpoint / "model.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(CheckpointError, match="corrupt"):
        load_model(checkpoint)


def test_unknown_model_name(empty_zoo):
    with pytest.raises(CheckpointError, match="neither a checkpoint folder nor a bundled"):
        load_model("bbbc006-34um-sum")


def test_available_models_lists_bundled_and_user_models(zoo, checkpoint, tmp_path):
    (tmp_path / "not-a-model").mkdir()
    entries = available_models(extra_dirs=[tmp_path])
    bundled = [e for e in entries if e.bundled]
    assert [e.name for e in bundled] == ["tiny-10um-sum", "tiny-28um-concat", "tiny-34um-sum"]
    assert {(e.depth_um, e.fusion) for e in bundled} == {(10, "sum"), (28, "concat"), (34, "sum")}
    user = [e for e in entries if not e.bundled]
    assert [(e.name, e.depth_um) for e in user] == [("tiny-34um", 34.0)]
    assert user[0].parameters == count_parameters(tiny_model())
    assert user[0].label == "head-to-tail K=2 sum"
    assert available_models(extra_dirs=[checkpoint]) == entries[:3] + user


def test_depth_selects_nearest_bundled_model(zoo):
    image = field((40, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = deblur(image, depth_um=34, device="cpu")
    with pytest.warns(UserWarning, match="using tiny-34um-sum .trained for 34 µm"):
        near = deblur(image, depth_um=30, device="cpu")
    np.testing.assert_array_equal(near, exact)
    reference = deblur(image, model=zoo / "tiny-34um-sum", device="cpu")
    np.testing.assert_array_equal(exact, reference)
    with pytest.warns(UserWarning, match="tiny-28um-concat"):
        assert select_model(12, "concat").name == "tiny-28um-concat"
    assert select_model(16, "sum").name == "tiny-10um-sum"
    assert select_model(22, "sum").name == "tiny-34um-sum"  # tie goes to the larger depth


def test_no_bundled_model_gives_clear_error(empty_zoo):
    with pytest.raises(UserInputError, match=r"no pretrained model is installed.*model="):
        deblur(field((32, 32)), device="cpu")


def test_missing_fusion_in_zoo(zoo):
    for path in zoo.glob("*concat*"):
        for f in path.iterdir():
            f.unlink()
        path.rmdir()
    with pytest.raises(UserInputError, match="no bundled model uses fusion 'concat'"):
        select_model(34, "concat")


@pytest.fixture
def pooled_zoo(tmp_path, use_zoo):
    """A zoo of models trained on pooled distances (one per method), as shipped."""
    root = tmp_path / "pooled-zoo"
    depths = [10.0, 16.0, 22.0, 28.0, 34.0]
    for method, options in (
        ("sum", {"fusion": "sum"}),
        ("concat", {"fusion": "concat"}),
        ("unet", {"scales": 1}),
    ):
        save_model(
            tiny_model(3, **options), root / f"bbbc006-{method}", depths_um=depths, half=True
        )
    return use_zoo(root)


def test_pooled_models_answer_to_per_distance_names(pooled_zoo):
    entries = {e.name: e for e in available_models()}
    assert entries["bbbc006-sum"].depths_um == (10.0, 16.0, 22.0, 28.0, 34.0)
    assert entries["bbbc006-sum"].depth_um is None
    assert entries["bbbc006-unet"].method == "unet" and entries["bbbc006-unet"].fusion is None
    assert "bbbc006-22um-concat" in entries["bbbc006-concat"].aliases
    net = load_model("bbbc006-34um-sum")
    assert net.checkpoint_path == (pooled_zoo / "bbbc006-sum").resolve()
    assert load_model("bbbc006-16um-unet").config.scales == 1
    with pytest.raises(CheckpointError, match="bundled models: bbbc006-concat"):
        load_model("bbbc006-40um-sum")  # outside the trained distances


def test_pooled_model_selected_inside_its_range_without_warning(pooled_zoo):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert select_model(25.0, "sum").name == "bbbc006-sum"
        assert select_model(10.0, "concat").name == "bbbc006-concat"
        assert select_model(34.0, "unet").name == "bbbc006-unet"
    with pytest.warns(UserWarning, match="trained for 10-34 µm"):
        assert select_model(50.0, "sum").name == "bbbc006-sum"
    with pytest.raises(UserInputError, match="no bundled model uses fusion 'nah'"):
        select_model(34.0, "nah")


def test_widgets_and_api_choose_the_same_model(zoo, tmp_path):
    """One rule: the widgets' choice equals ``select_model``'s for the same inputs."""
    from napari_defocus_deblur.inference.catalogue import choose
    from napari_defocus_deblur.widgets._models import nearest_model

    yours = tmp_path / "yours-22um-concat"
    save_model(tiny_model(2, fusion="concat"), yours, depth_um=22.0)
    entries = available_models(extra_dirs=[tmp_path])
    assert any(not e.bundled for e in entries)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for depth in (4.0, 10.0, 12.0, 16.0, 22.0, 25.0, 34.0, 50.0):
            for fusion in ("sum", "concat"):
                api = select_model(depth, fusion)
                assert nearest_model(entries, depth, fusion).path == api.path
                assert choose(entries, depth, fusion).path == api.path
    # the old widget rule put distance before fusion and picked a concat model for sum
    assert nearest_model(entries, 28.0, "sum").fusion == "sum"


def test_choose_falls_back_to_other_channels_and_user_models(zoo, tmp_path):
    from napari_defocus_deblur.inference.catalogue import choose

    entries = available_models()
    assert choose([], 34.0, "sum") is None
    bundled = choose(entries, 34.0, "sum", channel=2)  # no model of channel 2: any bundled
    assert bundled is not None and bundled.bundled
    mine = tmp_path / "mine"
    save_model(tiny_model(2), mine, depth_um=34.0)
    only_yours = [e for e in available_models(extra_dirs=[tmp_path]) if not e.bundled]
    assert choose(only_yours, 10.0, "concat").path == mine


def test_the_default_family_is_one_constant_read_when_the_model_is_chosen(pooled_zoo, monkeypatch):
    """``deblur``/``plan_run``/``select_model`` without a family take
    ``zoo.names.DEFAULT_METHOD`` (U-Net); changing that one constant moves them all."""
    from napari_defocus_deblur.inference.plan import plan_run, run_models
    from napari_defocus_deblur.zoo import names

    image = field((64, 64))
    assert names.DEFAULT_METHOD == "unet"
    assert select_model(34.0).name == "bbbc006-unet"
    assert plan_run(image, 34.0, device="cpu").model.name == "bbbc006-unet"
    chosen = [p.resolve() for p in run_models(None, "auto", None)]
    assert chosen == [(pooled_zoo / "bbbc006-unet").resolve()]
    monkeypatch.setattr(names, "DEFAULT_METHOD", "concat")
    assert select_model(34.0).name == "bbbc006-concat"
    assert plan_run(image, 34.0, device="cpu").model.name == "bbbc006-concat"
    assert plan_run(image, 34.0, fusion="sum", device="cpu").model.name == "bbbc006-sum"


def test_shipped_networks_serve_in_focus_to_their_training_far_end():
    """Trained on simulated fields 0-44 µm from focus: no warning inside, the span beyond."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert select_model(0.5, "unet").name == "bbbc006-unet"
        assert select_model(44.0, "sum").name == "bbbc006-sum"
    with pytest.warns(UserWarning, match=r"using bbbc006-unet \(trained for 0-44 µm\)"):
        select_model(60.0, "unet")
