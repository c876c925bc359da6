"""Model cards: the facts block is rendered from config.json and reads back exactly."""

from __future__ import annotations

from napari_defocus_deblur.zoo.card import card_facts, facts_from_info, render_card

INFO = {
    "name": "bbbc006-sum",
    "depth_um": None,
    "depths_um": [10.0, 34.0],
    "fusion": "sum",
    "channel": 1,
    "model": {"architecture": "head_to_tail", "scales": 4, "fusion": "sum"},
    "training": {
        "parameters": 2324196,
        "steps": 900,
        "wall_time_s": 1800.5,
        "device": "cpu (x86_64, 1 threads)",
        "input_val_psnr": 25.8812345,
        "config": {"crop": 128, "batch": 4, "lr": 0.001},
        "data": {"n_train_fields": 500, "n_val_fields": 10},
        "history": [{"val_psnr": 3.0}, {"val_psnr": 30.1234567}],
    },
}
EVAL = {
    "depths_um": [10.0, 34.0],
    "rows": [
        {
            "method": m,
            "depth_um": d,
            "n_images": 5,
            "psnr": p,
            "ssim": 0.5,
            "seconds_per_image": 1.0,
            "missing": None,
        }
        for m, d, p in (
            ("input", 10.0, 30.0),
            ("sum", 10.0, 36.0),
            ("input", 34.0, 24.0),
            ("sum", 34.0, 27.5),
        )
    ],
    "data": "test-root",
    "device": "cpu",
}


def test_facts_round_trip():
    text = render_card(INFO, EVAL)
    facts = card_facts(text)
    assert facts == facts_from_info(INFO)
    assert facts["depths_um"] == [10.0, 34.0] and facts["parameters"] == 2324196
    assert facts["final_val_psnr"] == 30.123 and facts["method"] == "sum"


def test_card_text_names_aliases_gains_and_limits():
    text = render_card(INFO, EVAL)
    assert "`bbbc006-10um-sum`" in text and "`bbbc006-34um-sum`" in text
    assert "| 34 µm | 24.00 / 0.500 | 27.50 / 0.500 | +3.50 |" in text
    assert "| 10 µm | 30.00 / 0.500 | 36.00 / 0.500 | +6.00 |" in text
    assert "simulated" in text and "arXiv:2201.02876" in text
    assert "(no evaluation" in render_card(INFO)


def test_text_without_facts_block():
    assert card_facts("# just a title\n") == {}


def test_two_stage_training_is_summed_and_listed():
    stages = [
        {
            "run": "bbbc006-sum",
            "steps": 900,
            "wall_time_s": 1800.5,
            "device": "cpu (1)",
            "lr": 0.001,
            "seed": 0,
            "final_val_psnr": 29.0,
        },
        {
            "run": "bbbc006-sum-stage2",
            "steps": 2700,
            "wall_time_s": 2000.25,
            "device": "cpu (2)",
            "lr": 0.001,
            "seed": 1,
            "final_val_psnr": 30.1234567,
        },
    ]
    info = {**INFO, "training": {**INFO["training"], "stages": stages}}
    text = render_card(info, EVAL)
    facts = card_facts(text)
    assert facts["training_steps"] == 3600 and facts["training_stages"] == 2
    assert facts["training_wall_time_s"] == 3800.75
    assert "`configs/cpu-bbbc006-sum-stage2.json`: 2700 steps" in text
    assert "3600 Adam steps in all" in text and "63.3 min in all" in text
    single = card_facts(render_card(INFO))
    assert single["training_steps"] == 900 and single["training_stages"] == 1
    stages[1]["averaged_steps"] = [1500, 2000]  # scripts/average_copies.py
    averaged = render_card({**INFO, "training": {**INFO["training"], "stages": stages}}, EVAL)
    assert "30.123 dB; weights: the mean of its copies at 1500 and 2000 steps." in averaged
    stages[1].update(averaged_steps=[1000], averaged_start=2)  # --init-weight 2
    pulled = render_card({**INFO, "training": {**INFO["training"], "stages": stages}}, EVAL)
    assert (
        "30.123 dB; weights: the mean of the weights it started from (counted twice) and its "
        "copy at 1000 steps." in pulled
    )
    assert "the shipped mean is judged on the robustness set instead)." in pulled
    stages[1].update(averaged_steps=[1500, 2000, 2500], averaged_start=3)
    half = render_card({**INFO, "training": {**INFO["training"], "stages": stages}}, EVAL)
    assert (
        "the weights it started from (counted 3 times) and its copies at 1500, 2000 and "
        "2500 steps." in half
    )
    assert "judged on the robustness set" not in render_card(INFO)
    soup = {"run": "v3op-sum", "soup_of": ["v3o-sum", "v3p-sum"], "averaged_start": 1}
    stages.append({**soup, "steps": 0, "wall_time_s": 0.0, "lr": None, "seed": None})
    souped = render_card({**INFO, "training": {**INFO["training"], "stages": stages}}, EVAL)
    assert (
        "3. a soup, no training of its own: the mean of the weights they started from and "
        "the weights of stages `v3o-sum` and `v3p-sum`, which each continued" in souped
    )
    assert card_facts(souped)["training_steps"] == 3600  # a soup adds no steps
    assert "the stages of a soup continue the same weights in parallel):" in souped
    assert "in parallel):" not in pulled
    assert "the shipped mean is judged on the robustness set instead)." in souped
