"""The zoo v3 stages of scripts/train_zoo_v3.py and the configs they train from."""

from __future__ import annotations

from pathlib import Path

import pytest

from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.zoo.names import METHODS

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def stage_config(config_prefix: str, method: str) -> TrainConfig:
    """The validated config of ``method`` in a stage (the schedule names its run folder)."""
    path = CONFIGS / f"{config_prefix}{method}.json"
    return TrainConfig.from_file(path, output_dir=f"runs/{config_prefix}{method}")


@pytest.fixture(scope="module")
def stages(load_script) -> dict[str, tuple[str, str, int]]:
    return load_script("train_zoo_v3").STAGES


def test_every_stage_has_a_valid_config_per_network(stages):
    for stage, (config_prefix, _, horizon) in stages.items():
        for method in METHODS:
            config = stage_config(config_prefix, method)
            # the stage's default horizon is its cosine's end, so a stage stops there
            assert config.steps == horizon, (stage, method)
            assert config.init == f"bbbc006-{method}", (stage, method)  # the shipped zoo


def test_the_four_networks_of_a_stage_see_the_same_fields(stages):
    for stage, (config_prefix, _, _) in stages.items():
        seeds = {stage_config(config_prefix, method).split_seed for method in METHODS}
        assert len(seeds) == 1, stage


#: Stages drawn on an earlier stage's fields on purpose, from the same start (neither
#: shipped between them): ah is stage bb's fields with another penalty, so its pilots
#: compare recipes and not draws.
SIBLINGS = {"ah": "bb"}


def test_each_stage_trains_on_fields_no_earlier_stage_saw(stages):
    seeds = {
        stage: stage_config(prefix, "unet").split_seed
        for stage, (prefix, _, _) in stages.items()
        if stage not in SIBLINGS
    }
    assert len(set(seeds.values())) == len(seeds)
    for stage, sibling in SIBLINGS.items():
        assert stage_config(stages[stage][0], "unet").split_seed == seeds[sibling]
    run_prefixes = [run_prefix for _, run_prefix, _ in stages.values()]
    assert len(set(run_prefixes)) == len(run_prefixes)
