"""``defocus-deblur predict``: round trip, errors, skipping and Dask == serial."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import torch

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.inference import deblur, save_model
from tests.inference.helpers import field, tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def checkpoint(tmp_path):
    return save_model(tiny_model(), tmp_path / "tiny-34um", depth_um=34)


@pytest.fixture
def inputs(tmp_path):
    root = tmp_path / "in"
    (root / "plate").mkdir(parents=True)
    tifffile.imwrite(root / "one.tif", field((40, 48), seed=1))
    tifffile.imwrite(
        root / "plate" / "two.tif", np.stack([field((36, 40), seed=s) for s in (2, 3)])
    )
    return root


def test_round_trip(tmp_path, inputs, checkpoint, capsys):
    out = tmp_path / "out"
    status = main(
        ["predict", str(inputs), "-o", str(out), "--model", str(checkpoint), "--device", "cpu"]
    )
    assert status == 0
    assert "deblurred 2 of 2 file(s)" in capsys.readouterr().out
    with tifffile.TiffFile(out / "plate" / "two.tif") as tif:
        result = tif.asarray()
        meta = tif.shaped_metadata[0]
    source = tifffile.imread(inputs / "plate" / "two.tif")
    assert result.dtype == np.float32 and result.shape == source.shape
    np.testing.assert_array_equal(result, deblur(source, model=checkpoint, device="cpu"))
    assert meta["source"] == str(inputs / "plate" / "two.tif")
    assert meta["model"] == "tiny-34um" and meta["depth_um"] == 34.0 and meta["fusion"] == "sum"
    assert meta["software"].startswith("napari-defocus-deblur")


@pytest.mark.parametrize(
    ("flags", "passes"),
    [
        ([], {}),
        (["--views", "1", "--phases", "1"], {"views": 1, "phases": 1}),
        (["--phases", "4"], {"phases": 4}),
    ],
)
def test_views_and_phases_reach_the_run(tmp_path, inputs, checkpoint, flags, passes):
    out = tmp_path / "out"
    args = ["predict", str(inputs / "one.tif"), "-o", str(out), "--model", str(checkpoint)]
    assert main([*args, "--device", "cpu", *flags]) == 0
    source = tifffile.imread(inputs / "one.tif")
    expected = deblur(source, model=checkpoint, device="cpu", **passes)
    np.testing.assert_array_equal(tifffile.imread(out / "one.tif"), expected)
    with tifffile.TiffFile(out / "one.tif") as tif:
        meta = tif.shaped_metadata[0]
    ran = {"views": 4, "phases": 1} if not passes else {"views": 1, "phases": 4, **passes}
    assert {k: meta[k] for k in ran} == ran  # the record says how many passes were averaged
    other = deblur(source, model=checkpoint, device="cpu", views=1, phases=2)
    assert not np.allclose(expected, other)  # the flags changed what ran


def test_views_other_than_one_or_four_are_refused(tmp_path, inputs, checkpoint, capsys):
    args = ["predict", str(inputs), "-o", str(tmp_path / "o"), "--model", str(checkpoint)]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--views", "2"])
    assert exited.value.code == 2
    assert "--views: invalid choice: 2" in capsys.readouterr().err


def test_input_dtype_output(tmp_path, inputs):
    # a random network with transposed convolutions overshoots far past 8 bits
    checkpoint = save_model(tiny_model(upsample="transpose"), tmp_path / "wide", depth_um=34)
    out = tmp_path / "out"
    assert (
        main(
            [
                "predict",
                str(inputs / "one.tif"),
                "-o",
                str(out),
                "--model",
                str(checkpoint),
                "--device",
                "cpu",
                "--dtype",
                "input",
                "--tile",
                "32",
                "--overlap",
                "16",
            ]
        )
        == 0
    )
    result = tifffile.imread(out / "one.tif")
    assert result.dtype == np.uint16 and result.max() > 255


def test_unreadable_file_is_skipped_and_reported(tmp_path, inputs, checkpoint, capsys):
    (inputs / "broken.tif").write_bytes(b"not a tiff at all")
    status = main(
        [
            "predict",
            str(inputs),
            "-o",
            str(tmp_path / "out"),
            "--model",
            str(checkpoint),
            "--device",
            "cpu",
        ]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert "skipped" in err and "broken.tif" in err and "not a valid TIFF" in err
    assert (tmp_path / "out" / "one.tif").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "{missing}"], "neither a checkpoint folder nor a bundled model"),
        (["--device", "tpu"], "unknown device"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--pixel-size", "0"], "--pixel-size must be within 0.05..5"),
        (["--immersion", "honey"], "--immersion must be one of dry, water"),
        (["--na", "1.2"], "NA 1.2 is too wide"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, inputs, checkpoint, capsys, extra, message):
    extra = [e.format(missing=tmp_path / "nope") for e in extra]
    args = ["predict", str(inputs), "-o", str(tmp_path / "out"), *extra]
    if "--model" not in extra:
        args += ["--model", str(checkpoint)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_input_and_overwrite_refused(tmp_path, inputs, checkpoint, capsys):
    assert (
        main(
            [
                "predict",
                str(tmp_path / "nope.tif"),
                "-o",
                str(tmp_path / "o"),
                "--model",
                str(checkpoint),
            ]
        )
        == 2
    )
    assert "input not found" in capsys.readouterr().err
    assert main(["predict", str(inputs), "-o", str(inputs), "--model", str(checkpoint)]) == 2
    assert "would overwrite input file" in capsys.readouterr().err


def test_no_model_installed(tmp_path, inputs, empty_zoo, capsys):
    assert main(["predict", str(inputs), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no pretrained model is installed" in err and "--model" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_unavailable_device(tmp_path, inputs, checkpoint, capsys):
    assert (
        main(
            [
                "predict",
                str(inputs),
                "-o",
                str(tmp_path / "o"),
                "--model",
                str(checkpoint),
                "--device",
                "cuda",
            ]
        )
        == 2
    )
    assert "no CUDA GPU is usable" in capsys.readouterr().err


def test_dask_equals_serial(tmp_path, inputs, checkpoint, capsys):
    common = ["--model", str(checkpoint), "--device", "cpu", "--tile", "32", "--overlap", "16"]
    assert torch.get_num_threads() == 1  # as in the single-threaded Dask workers
    assert main(["predict", str(inputs), "-o", str(tmp_path / "serial"), *common]) == 0
    assert (
        main(["predict", str(inputs), "-o", str(tmp_path / "dask"), "--workers", "2", *common])
        == 0
    )
    assert "deblurred 2 of 2" in capsys.readouterr().out
    for rel in ("one.tif", "plate/two.tif"):
        serial = tifffile.imread(tmp_path / "serial" / rel)
        dask = tifffile.imread(tmp_path / "dask" / rel)
        assert serial.dtype == dask.dtype
        np.testing.assert_array_equal(serial, dask)


def test_real_bbbc006_fields(tmp_path, real_bbbc006, checkpoint):
    folder = real_bbbc006 / "defocus-z00"
    sources = sorted(folder.glob("*.tif"))
    out = tmp_path / "out"
    status = main(
        [
            "predict",
            str(folder),
            "-o",
            str(out),
            "--model",
            str(checkpoint),
            "--device",
            "cpu",
            "--dtype",
            "input",
            "--depth",
            "32",
            "--phases",
            "1",
        ]
    )
    assert status == 0
    written = sorted(out.glob("*.tif"))
    assert [p.name for p in written] == [p.name for p in sources]
    result = tifffile.imread(written[0])
    source = tifffile.imread(sources[0])
    assert result.dtype == np.uint16 and result.shape == source.shape == (520, 696)
    assert np.percentile(result, 50) > 50  # 12-bit scale kept, not squeezed to 8 bit


def test_files_of_another_channel_warn_or_are_skipped(tmp_path, capsys):
    """A w1 (Hoechst) model warns per w2 file with a summary, or leaves them out."""
    model = save_model(tiny_model(), tmp_path / "nuclei", depth_um=34, channel=1)
    root = tmp_path / "in"
    root.mkdir()
    for name in ("a_s1_w1.tif", "a_s1_w2.tif", "b_s2_w2.tif"):
        tifffile.imwrite(root / name, field((40, 40), seed=len(name)))
    args = ["predict", str(root), "--model", str(model), "--device", "cpu"]
    assert main([*args, "-o", str(tmp_path / "all")]) == 0
    out, err = capsys.readouterr()
    assert "deblurred 3 of 3 file(s)" in out
    assert err.count("warning: 'a_s1_w2.tif' is channel 2") == 1
    assert "'b_s2_w2.tif' is channel 2" in err and "w1.tif" not in err
    assert "2 file(s) are of another channel than nuclei's" in err
    assert main([*args, "-o", str(tmp_path / "some"), "--skip-other-channels"]) == 0
    out, err = capsys.readouterr()
    assert "deblurred 1 of 3 file(s)" in out
    assert "2 file(s) of another channel than nuclei's left out" in err
    assert sorted(p.name for p in (tmp_path / "some").iterdir()) == ["a_s1_w1.tif"]


def test_verbose_says_what_runs_and_backend_is_passed_on(tmp_path, inputs, checkpoint, capsys):
    from napari_defocus_deblur.inference import describe_backend

    args = ["predict", str(inputs / "one.tif"), "--model", str(checkpoint), "--device", "cpu"]
    assert main([*args, "-o", str(tmp_path / "a"), "-v", "--backend", "torch"]) == 0
    err = capsys.readouterr().err
    line = describe_backend("cpu", "auto", "torch")
    assert f"model tiny-34um ({checkpoint}); {line}" in err and "PyTorch" in line
    torch_out = tifffile.imread(tmp_path / "a" / "one.tif")
    expected = deblur(tifffile.imread(inputs / "one.tif"), model=checkpoint, backend="torch")
    np.testing.assert_array_equal(torch_out, expected)


def test_depth_auto_estimates_each_file(tmp_path, capsys):
    """``--depth auto`` hands every file to ``deblur(..., depth_um="auto")``."""
    from napari_defocus_deblur.model import condition_on_depth

    model = save_model(condition_on_depth(tiny_model()), tmp_path / "cond", depth_um=34)
    out = tmp_path / "out"
    image = field((160, 192), seed=5)  # the estimator needs 128 x 128 at least
    tifffile.imwrite(tmp_path / "big.tif", image)
    args = ["predict", str(tmp_path / "big.tif"), "--model", str(model), "--device", "cpu"]
    assert main([*args, "-o", str(out), "--depth", "auto"]) == 0
    with tifffile.TiffFile(out / "big.tif") as tif:
        result, meta = tif.asarray(), tif.shaped_metadata[0]
    np.testing.assert_array_equal(result, deblur(image, depth_um="auto", model=model))
    assert meta["depth_um"] == "auto"
    assert main([*args, "-o", str(tmp_path / "x"), "--depth", "deep"]) == 2
    assert "--depth must be a number of micrometres or 'auto'" in capsys.readouterr().err


def test_depth_is_checked_once_on_the_command_line(tmp_path, inputs, checkpoint, monkeypatch):
    from tests.inference.test_plan import count_check_depth

    calls = count_check_depth(monkeypatch)
    args = ["predict", str(inputs / "one.tif"), "--model", str(checkpoint), "--device", "cpu"]
    assert main([*args, "-o", str(tmp_path / "out"), "--depth", "0"]) == 0
    assert len(calls) == 1  # today's main: check_options, then iter_deblur per file
    with tifffile.TiffFile(tmp_path / "out" / "one.tif") as tif:
        assert tif.shaped_metadata[0]["depth_um"] == 0.0  # 0 µm is a distance


def test_depth_auto_picks_each_files_model_by_the_run_plan(tmp_path, capsys, use_zoo, monkeypatch):
    """``--depth auto`` without ``--model``: the model the API picks for that image, not
    the one for the default distance."""
    from napari_defocus_deblur import estimate
    from tests.inference.helpers import make_zoo

    use_zoo(make_zoo(tmp_path / "zoo"), "sum")
    near = estimate.DefocusEstimate(10.0, 2.0, 0.9, 4)
    monkeypatch.setattr(estimate, "estimate_defocus", lambda image, microscope=None: near)
    image = field((160, 192), seed=5)
    tifffile.imwrite(tmp_path / "near.tif", image)
    args = ["predict", str(tmp_path / "near.tif"), "--device", "cpu", "--depth", "auto"]
    assert main([*args, "-o", str(tmp_path / "out"), "-v"]) == 0
    with tifffile.TiffFile(tmp_path / "out" / "near.tif") as tif:
        result, meta = tif.asarray(), tif.shaped_metadata[0]
    assert meta["model"] == "tiny-10um-sum" and meta["depth_um"] == "auto"
    np.testing.assert_array_equal(result, deblur(image, depth_um="auto", device="cpu"))
    assert "chosen per file at its estimated distance" in capsys.readouterr().err


def test_precision_help_says_what_auto_does_on_the_cpu(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "fp32 elsewhere" not in help_text
    assert "on the CPU bf16 where it has bf16 matrix units" in help_text


def test_network_defaults_to_the_unet_and_sum_is_one_flag_away(tmp_path, use_zoo):
    """Without ``--network`` the default family (U-Net); ``--network sum`` and its old
    spelling ``--fusion sum`` take the paper's head-to-tail network."""
    from napari_defocus_deblur.inference import save_model
    from tests.inference.helpers import tiny_model

    zoo = tmp_path / "zoo"
    for method, options in (("sum", {"fusion": "sum"}), ("unet", {"scales": 1})):
        save_model(tiny_model(3, **options), zoo / f"bbbc006-{method}", depths_um=[10.0, 34.0])
    use_zoo(zoo)
    tifffile.imwrite(tmp_path / "one.tif", field((64, 64), seed=2))
    args = ["predict", str(tmp_path / "one.tif"), "--device", "cpu", "--depth", "34"]
    cases = (([], "bbbc006-unet"), (["--network", "sum"], "bbbc006-sum"),
             (["--fusion", "sum"], "bbbc006-sum"))  # fmt: skip
    for i, (flags, expected) in enumerate(cases):
        out = tmp_path / f"out{i}"
        assert main([*args, *flags, "-o", str(out)]) == 0
        with tifffile.TiffFile(out / "one.tif") as tif:
            meta = tif.shaped_metadata[0]
        assert meta["model"] == expected and meta["network"] == expected.split("-")[1]
        assert meta.get("fusion") == ("sum" if expected.endswith("sum") else None)


def test_side_above_tells_the_network_the_shorter_distance(tmp_path, inputs):
    from napari_defocus_deblur.model import condition_on_depth

    checkpoint = save_model(condition_on_depth(tiny_model()), tmp_path / "cond", depth_um=34)
    out = tmp_path / "out"
    args = ["predict", str(inputs / "one.tif"), "-o", str(out), "--model", str(checkpoint)]
    assert main([*args, "--device", "cpu", "--depth", "5", "--side", "above"]) == 0
    with tifffile.TiffFile(out / "one.tif") as tif:
        result = tif.asarray()
        meta = tif.shaped_metadata[0]
    assert meta["depth_um"] == 5.0 and meta["side"] == "above"
    assert meta["told_um"] == [3.38]  # 5 µm above focus, half the 3.25 µm focal shift less
    source = tifffile.imread(inputs / "one.tif")
    expected = deblur(source, 3.375, model=checkpoint, device="cpu")
    np.testing.assert_array_equal(result, expected)


def test_a_stated_microscope_converts_the_told_distance(tmp_path, inputs):
    """1.21 times BBBC006's focal shift: 6 µm blur as 7.3 µm do under BBBC006's optics."""
    from napari_defocus_deblur.model import condition_on_depth
    from napari_defocus_deblur.simulate.microscope import Microscope

    checkpoint = save_model(condition_on_depth(tiny_model()), tmp_path / "cond", depth_um=34)
    out = tmp_path / "out"
    args = ["predict", str(inputs / "one.tif"), "-o", str(out), "--model", str(checkpoint)]
    stated = ["--focal-shift-scale", "1.21", "--immersion", "dry", "--pixel-size", "0.645"]
    assert main([*args, "--device", "cpu", "--depth", "6", *stated]) == 0
    with tifffile.TiffFile(out / "one.tif") as tif:
        result = tif.asarray()
        meta = tif.shaped_metadata[0]
    microscope = Microscope(focal_shift_scale=1.21)
    told = microscope.bbbc006_um(6.0)
    assert meta["depth_um"] == 6.0 and meta["told_um"] == [round(told, 2)]
    assert told == pytest.approx(7.3, abs=0.3) and meta["microscope"] == microscope.describe()
    source = tifffile.imread(inputs / "one.tif")
    np.testing.assert_array_equal(result, deblur(source, told, model=checkpoint, device="cpu"))


def test_finer_pixels_are_deblurred_on_bbbc006s_grid_and_written_at_their_own(tmp_path, inputs):
    from napari_defocus_deblur.model import condition_on_depth
    from napari_defocus_deblur.simulate.microscope import Microscope

    checkpoint = save_model(condition_on_depth(tiny_model()), tmp_path / "cond", depth_um=34)
    out = tmp_path / "out"
    args = ["predict", str(inputs), "-o", str(out), "--model", str(checkpoint)]
    assert main([*args, "--device", "cpu", "--depth", "20", "--pixel-size", "0.3225"]) == 0
    with tifffile.TiffFile(out / "one.tif") as tif:
        result = tif.asarray()
        meta = tif.shaped_metadata[0]
    source = tifffile.imread(inputs / "one.tif")
    fine = Microscope(pixel_size_um=0.3225)
    assert meta["microscope"] == fine.describe() and meta["told_um"] == [20.0]
    assert result.shape == source.shape == (40, 48)
    np.testing.assert_array_equal(
        result, deblur(source, 20.0, model=checkpoint, device="cpu", microscope=fine)
    )
    assert tifffile.imread(out / "plate" / "two.tif").shape == (2, 36, 40)


def test_a_files_recorded_finer_pixels_are_honoured_unless_optics_are_stated(tmp_path, capsys):
    """An ImageJ TIFF recording 0.3225 µm pixels is binned onto BBBC006's grid with no
    option given; stated optics (here an aperture) are the user's word, pixels included."""
    from napari_defocus_deblur.model import condition_on_depth
    from napari_defocus_deblur.simulate.microscope import Microscope

    checkpoint = save_model(condition_on_depth(tiny_model()), tmp_path / "cond", depth_um=34)
    source = field((40, 48), seed=5)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, pixel_um in (("fine.tif", 0.3225), ("plain.tif", None)):
        extra = {} if pixel_um is None else {"resolution": (1 / pixel_um, 1 / pixel_um)}
        tifffile.imwrite(inputs / name, source, imagej=True, metadata={"unit": "um"}, **extra)
    out, stated_out = tmp_path / "out", tmp_path / "stated"
    args = ["predict", str(inputs), "--model", str(checkpoint), "--device", "cpu", "--depth"]
    assert main([*args, "20", "-o", str(out), "-v"]) == 0
    err = capsys.readouterr().err  # -v: each file's run notes
    assert f"note: {inputs / 'fine.tif'}: the image's 0.3225 µm pixels were binned 2 x 2" in err
    assert f"note: {inputs / 'plain.tif'}:" not in err  # no regrid, nothing to say
    assert main([*args, "20", "-o", str(stated_out), "--na", "0.6"]) == 0
    assert "pixels were binned" not in capsys.readouterr().err  # without -v: quiet
    fine = Microscope(pixel_size_um=0.3225)
    with tifffile.TiffFile(out / "fine.tif") as tif:
        result, meta = tif.asarray(), tif.shaped_metadata[0]
    assert meta["microscope"] == fine.describe()
    run = {"model": checkpoint, "device": "cpu"}
    np.testing.assert_array_equal(result, deblur(source, 20.0, microscope=fine, **run))
    with tifffile.TiffFile(out / "plain.tif") as tif:
        assert tif.shaped_metadata[0].get("microscope") is None
    np.testing.assert_array_equal(tifffile.imread(out / "plain.tif"), deblur(source, 20.0, **run))
    stated = Microscope(na=0.6)
    np.testing.assert_array_equal(
        tifffile.imread(stated_out / "fine.tif"), deblur(source, 20.0, microscope=stated, **run)
    )
