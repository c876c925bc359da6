"""Training on fields simulated from a prior, depth-conditioned."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.training.prior_data import prior_training_data, stratified_depths


@pytest.fixture(scope="module")
def data():
    return prior_training_data(5, n_val=1, shape=(64, 64), depths_um=(5.0, 40.0), seed=3)


def test_fields_carry_their_depths(data):
    depths = [f.depth_um for f in data.train]
    assert len(data.train) == 5 and len(data.val) == 1 + 5  # + nominal paper distances
    assert all(d == 0.0 or 5.0 <= d <= 40.0 for d in depths)
    assert [f.depth_um for f in data.val[1:]] == [10.0, 16.0, 22.0, 28.0, 34.0]
    assert data.source == "prior:wide"


def test_sampling_returns_each_crops_depth(data):
    xs, ys, depths = data.sample(np.random.default_rng(0), 6, 32, with_depth=True)
    assert xs.shape == ys.shape == (6, 1, 32, 32)
    assert depths.dtype == np.float32 and depths.shape == (6,)
    assert set(depths.tolist()) <= {np.float32(f.depth_um) for f in data.train}


def test_same_seed_same_fields():
    a = prior_training_data(2, n_val=1, shape=(48, 48), seed=1)
    b = prior_training_data(2, n_val=1, shape=(48, 48), seed=1)
    np.testing.assert_array_equal(a.train[0].oof, b.train[0].oof)
    assert [f.field_id for f in a.train] == [f.field_id for f in b.train]


def test_stratified_depths_leave_no_stratum_empty():
    depths = stratified_depths(50, 2.0, 44.0, np.random.default_rng(5))
    strata = np.floor((depths - 2.0) / (42.0 / 50)).astype(int)
    assert sorted(strata.tolist()) == list(range(50))
    assert not np.array_equal(strata, np.arange(50))  # in random order
    uniform = np.random.default_rng(5).uniform(2.0, 44.0, 50)
    gaps = np.diff(np.sort(uniform)).max(), np.diff(np.sort(depths)).max()
    assert gaps[1] < 2 * 42.0 / 50 < gaps[0]  # independent draws leave holes


def test_stratified_fields_differ_only_in_their_distances():
    options = {"n_val": 1, "shape": (48, 48), "depths_um": (4.0, 36.0), "seed": 2}
    uniform = prior_training_data(16, in_focus_share=0.2, **options)
    strat = prior_training_data(16, in_focus_share=0.2, depth_sampling="stratified", **options)
    seeds = [f.field_id.split("@")[0] for f in uniform.train]
    assert [f.field_id.split("@")[0] for f in strat.train] == seeds
    zero = [f.depth_um == 0.0 for f in uniform.train]
    assert [f.depth_um == 0.0 for f in strat.train] == zero and 0 < sum(zero) < 16
    defocused = np.array([f.depth_um for f in strat.train if f.depth_um > 0])
    width = 32.0 / len(defocused)
    strata = np.floor((defocused - 4.0) / width + 1e-6).clip(0, len(defocused) - 1)
    assert len(set(strata.tolist())) >= len(defocused) - 1  # 0.1 µm rounding may shift one
    assert [f.depth_um for f in strat.val] == [f.depth_um for f in uniform.val]


def test_unknown_depth_sampling_is_refused():
    from napari_defocus_deblur.errors import UserInputError

    with pytest.raises(UserInputError, match="uniform or stratified"):
        prior_training_data(2, n_val=1, shape=(48, 48), depth_sampling="sobol")


@pytest.mark.parametrize("amp", [False, True])
def test_a_conditioned_run_records_depth_and_precision(data, tmp_path, amp):
    import torch

    from napari_defocus_deblur.inference.device import training_uses_bf16
    from napari_defocus_deblur.model.checkpoint import read_checkpoint_info
    from napari_defocus_deblur.training import TrainConfig, train

    config = TrainConfig(
        tmp_path / "run",
        scales=2,
        base_channels=8,
        levels=3,
        condition="depth",
        steps=2,
        crop=32,
        batch=2,
        device="cpu",
        prior="wide",
        amp=amp,
    )
    model = train(config, data)
    assert model.config.conditioned
    info = read_checkpoint_info(tmp_path / "run")
    assert info["model"]["condition"] == "depth"
    # amp=False asks for fp32; amp=True for bf16 where this CPU's rule allows it
    bf16 = amp and training_uses_bf16(torch.device("cpu"))
    assert info["training"]["precision"] == ("bf16 autocast" if bf16 else "fp32")


def test_a_nominal_optics_share_swaps_optics_only_in_that_share_of_fields():
    options = {"n_val": 1, "shape": (48, 48), "depths_um": (4.0, 36.0), "seed": 4}
    plain = prior_training_data(24, **options)
    zero = prior_training_data(24, nominal_optics_share=0.0, **options)
    assert [f.field_id for f in zero.train] == [f.field_id for f in plain.train]
    mixed = prior_training_data(24, nominal_optics_share=0.5, **options)
    nominal = [f.field_id.startswith("wide+nominal-optics-") for f in mixed.train]
    assert 6 <= sum(nominal) <= 18
    assert all(f.field_id.startswith("wide-") for f, n in zip(mixed.train, nominal) if not n)
    assert [f.field_id for f in mixed.val] == [f.field_id for f in plain.val]


def test_a_nominal_optics_share_outside_0_1_is_refused(tmp_path):
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.training.config import TrainConfig

    with pytest.raises(UserInputError, match="nominal_optics_share"):
        prior_training_data(2, n_val=1, shape=(48, 48), nominal_optics_share=1.5)
    with pytest.raises(UserInputError, match="nominal_optics_share"):
        TrainConfig(tmp_path / "m", prior="wide", nominal_optics_share=-0.1)
    assert TrainConfig(tmp_path / "m").nominal_optics_share == 0.0


def test_a_bright_bodies_share_adds_bodies_to_its_fields_and_changes_no_other(tmp_path):
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.training.config import TrainConfig

    options = {"n_val": 1, "shape": (48, 48), "depths_um": (4.0, 36.0), "seed": 5}
    plain = prior_training_data(24, sparse_smooth_share=0.3, **options)
    mixed = prior_training_data(24, sparse_smooth_share=0.3, bright_bodies_share=0.5, **options)
    bodies = []
    for before, after in zip(plain.train, mixed.train, strict=True):
        assert after.depth_um == before.depth_um
        if after.field_id == before.field_id:
            np.testing.assert_array_equal(after.target, before.target)
            continue
        preset, _, rest = before.field_id.rpartition("-0")
        assert after.field_id == f"{preset}+bright-bodies-0{rest}"
        assert "+sparse-smooth" not in before.field_id
        bodies.append((before, after))
    assert 4 <= len(bodies) <= 20
    with pytest.raises(UserInputError, match="bright_bodies_share"):
        prior_training_data(2, n_val=1, shape=(48, 48), bright_bodies_share=1.5)
    with pytest.raises(UserInputError, match="bright_bodies_share"):
        TrainConfig(tmp_path / "m", prior="wide", bright_bodies_share=-0.1)


def test_a_sparse_smooth_share_changes_content_only_in_that_share_of_fields(tmp_path):
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.training.config import TrainConfig

    options = {"n_val": 1, "shape": (48, 48), "depths_um": (4.0, 36.0), "seed": 4}
    plain = prior_training_data(24, **options)
    zero = prior_training_data(24, sparse_smooth_share=0.0, **options)
    assert [f.field_id for f in zero.train] == [f.field_id for f in plain.train]
    mixed = prior_training_data(24, sparse_smooth_share=0.5, nominal_optics_share=0.5, **options)
    names = [f.field_id.split("@")[0].rsplit("-", 1)[0] for f in mixed.train]
    assert 4 <= sum(n.endswith("+sparse-smooth") for n in names) <= 20
    assert names.count("wide+nominal-optics+sparse-smooth") >= 1
    assert names.count("wide") >= 1 and names.count("wide+nominal-optics") >= 1
    assert [f.field_id for f in mixed.val] == [f.field_id for f in plain.val]
    with pytest.raises(UserInputError, match="sparse_smooth_share"):
        prior_training_data(2, n_val=1, shape=(48, 48), sparse_smooth_share=1.5)
    with pytest.raises(UserInputError, match="sparse_smooth_share"):
        TrainConfig(tmp_path / "m", prior="wide", sparse_smooth_share=-0.1)


def test_fields_know_their_side_of_focus_fresh_and_from_the_kept_set():
    from napari_defocus_deblur.simulate.prior import get_prior
    from napari_defocus_deblur.training.prior_cache import cache_path
    from napari_defocus_deblur.training.prior_data import drawn_above_focus

    options = {"n_val": 1, "shape": (48, 48), "depths_um": (4.0, 36.0), "seed": 9}
    fresh = prior_training_data(24, nominal_optics_share=0.25, **options)
    assert list(cache_path("x").parent.glob("*.npz"))  # the set was kept
    kept = prior_training_data(24, nominal_optics_share=0.25, **options)
    sides = [f.above_focus for f in fresh.train]
    assert [f.above_focus for f in kept.train] == sides
    assert 1 <= sum(sides) <= 12  # wide images a fifth above focus, nominal optics none
    for field in fresh.train:
        preset, seed = field.field_id.split("@")[0].rsplit("-", 1)
        draw = get_prior(preset).draw(np.random.default_rng([int(seed), 7]))
        assert field.above_focus == draw.above_focus == drawn_above_focus(preset, int(seed))
        assert not (preset.endswith("+nominal-optics") and field.above_focus)


def test_a_kept_field_gets_its_side_back_from_its_id_whatever_the_seed():
    from napari_defocus_deblur.training.fields import Field
    from napari_defocus_deblur.training.prior_data import drawn_above_focus, with_side

    image = np.zeros((16, 16), np.float32)
    seeds = range(10_000_000, 10_000_200)  # the fields of split seeds 100 and more
    above = next(s for s in seeds if drawn_above_focus("wide", s))
    below = next(s for s in seeds if not drawn_above_focus("wide", s))
    for seed, side in ((above, True), (below, False)):
        kept = Field(f"wide-{seed:07d}@10.0um", image, image, 0.0, 1.0, 10.0)
        assert with_side(kept).above_focus is side
    real = Field("plate-3", image, image, 0.0, 1.0, 10.0, above_focus=True)
    assert with_side(real) is real  # not a simulated id: keeps its own side
