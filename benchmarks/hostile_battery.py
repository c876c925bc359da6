"""A hostile battery against the CLI, the API, the reader and fuzzed TIFFs (issue 21).

Every case runs on small inputs in a temporary folder and is classified as

* **data loss**: a file the case did not ask to replace changed or disappeared;
* **silent wrong**: the call succeeded (exit 0 / returned) with a result known to be
  wrong (non-finite or all-zero pixels, a confident estimate of a blank image, a
  checkpoint that cannot be loaded back, a zero-size layer, a seam above 1 %...);
* **hang**: a CLI run over its time limit (:data:`CLI_TIMEOUT_S`);
* **traceback**: a Python traceback on stderr, or an exception other than the one
  readable :class:`~napari_defocus_deblur.errors.UserInputError`;
* **ok**: refused in one readable line, or a correct result.

Prints one line per problem and the counts. Usage (about 3-4 minutes on 2 cores)::

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/hostile_battery.py [--fuzz 40]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tifffile

CLI_TIMEOUT_S = 90
CATEGORIES = ("ok", "data loss", "silent wrong", "hang", "traceback")
RESULTS: Counter = Counter()
PROBLEMS: list[str] = []


def record(name: str, outcome: str, detail: str = "") -> None:
    """Count ``outcome`` for case ``name`` and print problems as they happen."""
    RESULTS[outcome] += 1
    if outcome != "ok":
        line = f"{outcome:12s} {name}: {detail[:200]}"
        PROBLEMS.append(line)
        print(line, flush=True)


def field(shape=(64, 80), seed=0) -> np.ndarray:
    """A blob-and-noise image with 12-bit values (uint16)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    spots = (rng.random(shape) > 0.99).astype(np.float64)
    img = 150 + 3e4 * gaussian_filter(spots, 3) + rng.normal(0, 10, shape)
    return np.clip(img, 0, 4095).astype(np.uint16)


def snapshot(paths: list[Path]) -> dict[str, bytes | None]:
    """Bytes of every file under ``paths`` (None for a missing path)."""
    out: dict[str, bytes | None] = {}
    for root in paths:
        files = [root] if not root.is_dir() else sorted(p for p in root.rglob("*") if p.is_file())
        if not root.exists():
            out[str(root)] = None
        for p in files:
            if p.is_file():
                out[str(p)] = p.read_bytes()
    return out


# --- fixtures ---------------------------------------------------------------------------


def tiny_checkpoint(root: Path, name: str = "tiny", change: Callable | None = None) -> Path:
    """A tiny saved network; ``change(tensors)`` edits its weights file afterwards."""
    import torch
    from safetensors.torch import load_file, save_file

    from napari_defocus_deblur.inference import save_model
    from napari_defocus_deblur.model import build_model

    torch.manual_seed(0)
    net = build_model(scales=2, base_channels=8, levels=3).eval()
    folder = save_model(net, root / name, depth_um=34)
    if change is not None:
        path = folder / "model.safetensors"
        save_file({k: change(v) for k, v in load_file(str(path)).items()}, str(path))
    return folder


def fixtures(root: Path) -> dict[str, Path]:
    """Inputs shared by the cases."""
    import torch

    paths = {"ckpt": tiny_checkpoint(root)}
    paths["int32"] = tiny_checkpoint(root, "int32", lambda t: t.float().round().to(torch.int32))
    paths["huge"] = tiny_checkpoint(root, "huge", lambda t: t.float() * 1e30)
    evil = tiny_checkpoint(root, "evil")
    info = json.loads((evil / "config.json").read_text())
    info["format"] = "evil/v9"
    (evil / "config.json").write_text(json.dumps(info))
    paths["evil"] = evil
    raw = root / "raw"
    raw.mkdir()
    tifffile.imwrite(raw / "one.tif", field((40, 48), 1))
    tifffile.imwrite(raw / "two.tif", field((36, 40), 2))
    paths["raw"] = raw
    special = root / "special"
    special.mkdir()
    for name, image in {
        "big.tif": field((40, 48)).astype(np.float64) * 1e36,
        "tiny.tif": field((40, 48)).astype(np.float64) * 1e-300,
        "empty.tif": np.zeros((40, 0), np.uint16),
    }.items():
        with warnings.catch_warnings():  # tifffile warns about the zero-size one
            warnings.simplefilter("ignore")
            tifffile.imwrite(special / name, image)
    with tifffile.TiffWriter(special / "series.tif") as tif:
        tif.write(field((40, 48), 3))
        tif.write(field((36, 40), 4))
    paths["special"] = special
    z99 = root / "BBBC006_v1_images_z_99"
    z99.mkdir()
    tifffile.imwrite(z99 / "mcf-z-stacks-03212011_a01_s1_w1abc.tif", field((40, 48)))
    paths["z99"] = z99
    return paths


# --- CLI subprocess runs ----------------------------------------------------------------


def cli(
    name: str,
    argv: list[str],
    cwd: Path,
    protect: list[Path],
    *,
    fails: bool = True,
    check: Callable[[], str] | None = None,
    env: dict | None = None,
) -> None:
    """Run ``defocus-deblur ARGV``; ``protect`` must not change, ``fails``: exit != 0."""
    before = snapshot(protect)
    run_env = {**os.environ, **(env or {})}
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "napari_defocus_deblur", *argv],
            cwd=cwd,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        record(name, "hang", f"over {CLI_TIMEOUT_S} s")
        return
    err = done.stderr
    if snapshot(protect) != before:
        record(name, "data loss", f"exit {done.returncode}; {err.strip()[-150:]}")
    elif "Traceback" in err:
        record(name, "traceback", err.strip().splitlines()[-1])
    elif fails and done.returncode == 0:
        record(name, "silent wrong", "exit 0 where a refusal was due")
    elif check is not None and (problem := check()):
        record(name, "silent wrong", problem)
    elif done.returncode not in (0, 1, 2, 130) or (done.returncode and not err.strip()):
        record(name, "traceback", f"exit {done.returncode} {err.strip()[-150:]}")
    else:
        record(name, "ok", f"{time.perf_counter() - t0:.1f}s")


def cli_cases(root: Path, fx: dict[str, Path]) -> None:
    """Every command-line case: predict, then train and export, then the rest."""
    _predict_cases(root, fx)
    _train_export_cases(root, fx)
    _other_command_cases(root, fx)


def _predict_cases(root: Path, fx: dict[str, Path]) -> None:
    ck, raw, sp = str(fx["ckpt"]), str(fx["raw"]), fx["special"]
    pred = ["predict", "--device", "cpu", "--model", ck]
    out = root / "out"
    out.mkdir()
    (out / "one.tif").write_bytes(b"the user's file")
    cli("predict over a user file", [*pred, raw, "-o", str(out)], root, [out])
    fresh = root / "fresh"
    cli("predict fresh", [*pred, raw, "-o", str(fresh)], root, [fx["raw"]], fails=False)
    (fresh / "two.tif").unlink()
    kept = fresh / "one.tif"
    cli(
        "predict --skip-existing",
        [*pred, raw, "-o", str(fresh), "--skip-existing"],
        root,
        [kept],
        fails=False,
        check=lambda: "" if (fresh / "two.tif").is_file() else "not resumed",
    )
    for label, extra in {
        "scheduler bogus": ["--scheduler", "bogus"],
        "scheduler no port": ["--scheduler", "tcp://localhost"],
        "device cpu:99": ["--device", "cpu:99"],
        "tile 0": ["--tile", "0"],
        "tile 20": ["--tile", "20"],
        "overlap -1": ["--overlap", "-1"],
    }.items():
        cli(f"predict {label}", [*pred, raw, "-o", str(root / "o-x"), *extra], root, [])
    cli("predict --model ''", ["predict", raw, "-o", str(root / "o-m"), "--model", ""], root, [])
    for name in ("big.tif", "tiny.tif", "empty.tif", "series.tif"):
        target = root / f"o-{name}"
        cli(f"predict {name}", [*pred, str(sp / name), "-o", str(target)], root, [])
    for key in ("int32", "huge", "evil"):
        argv = ["predict", raw, "-o", str(root / f"o-{key}"), "--model", str(fx[key])]
        cli(f"predict with {key} weights", argv, root, [])
    # a folder passed as such is plain files deblurred at --depth: no plane number is used
    z99 = [*pred, str(fx["z99"]), "-o", str(root / "o-z99")]
    cli("predict z_99 folder", z99, root, [fx["z99"]], fails=False)


def _train_export_cases(root: Path, fx: dict[str, Path]) -> None:
    ck = str(fx["ckpt"])
    train = ["train", str(root / "nodata"), "--depth", "10", "--steps", "1", "--device", "cpu"]
    cli("train -o checkpoint", [*train, "-o", ck], root, [fx["ckpt"]])
    cli("train --init X -o X", [*train, "--init", ck, "-o", ck], root, [fx["ckpt"]])
    user = root / "user-dir"
    user.mkdir()
    (user / "config.json").write_text("{}")
    cli("train -o ''", [*train, "-o", ""], user, [user])
    cli("train --seed -1", [*train, "-o", "r1", "--seed", "-1"], root, [])
    cli("train --max-minutes 0", [*train, "-o", "r2", "--max-minutes", "0"], root, [])
    cli("train --batch 1e6", [*train, "-o", "r3", "--batch", "1000000"], root, [])
    for opt, name in (("--onnx", "m.onnx"), ("--torchscript", "m.pt"), ("--bioimageio", "m.zip")):
        target = root / name
        target.write_bytes(b"user data")
        cli(f"export {opt} existing", ["export", ck, opt, str(target)], root, [target])


def _other_command_cases(root: Path, fx: dict[str, Path]) -> None:
    raw, ck = str(fx["raw"]), str(fx["ckpt"])
    cli("simulate --seed -1", ["simulate", "s1", "--seed", "-1"], root, [])
    cli("simulate --shape huge", ["simulate", "s2", "--shape", "100000", "100000"], root, [])
    sim = root / "s3"
    sim.mkdir()
    (sim / "simulation.json").write_text("user data")
    cli(
        "simulate over a record",
        ["simulate", str(sim), "--fields", "1", "--shape", "32", "32", "--quiet"],
        root,
        [sim],
    )
    cli("evaluate --json ''", ["evaluate", raw, "--model", ck, "--json", ""], root, [])
    cli("fetch file:///", ["fetch-bbbc006", "f", "--base-url", "file:///tmp/"], root, [])
    cli(
        "demo without display",
        ["demo", "--no-run"],
        root,
        [],
        env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""},
    )


# --- API calls --------------------------------------------------------------------------


def api(
    name: str,
    call: Callable[[], object],
    wrong: Callable[[object], str] | None = None,
    *,
    refuse: bool = True,
) -> None:
    """``call()`` must raise UserInputError (``refuse``) or return what ``wrong`` accepts."""
    from napari_defocus_deblur.errors import UserInputError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call()
    except UserInputError:
        record(name, "ok")
        return
    except Exception as exc:  # anything else is the traceback a user would see
        record(name, "traceback", f"{type(exc).__name__}: {exc}")
        return
    problem = wrong(result) if wrong is not None else ("returned" if refuse else "")
    record(name, "silent wrong" if problem else "ok", problem)


def _finite_nonzero(out: object) -> str:
    arr = np.asarray(out)
    if not np.isfinite(arr).all():
        return "non-finite result"
    return "all-zero result" if not arr.any() else ""


def api_cases(root: Path, fx: dict[str, Path]) -> None:
    """Every public-API case: deblur, the device, the estimator, save/load, tiling."""
    from napari_defocus_deblur.inference import deblur, load_model
    from napari_defocus_deblur.inference.device import resolve_device

    net = load_model(fx["ckpt"])
    img = field((48, 56)).astype(np.float64)
    for scale in (1e36, 1e-300):
        api(
            f"deblur x{scale:g}",
            lambda s=scale: deblur(img * s, model=net, device="cpu"),
            _finite_nonzero,
        )
    api(
        "deblur x1e30",
        lambda: deblur(img * 1e30, model=net, device="cpu"),
        _finite_nonzero,
        refuse=False,
    )
    for label, kwargs in {
        "channel_axis=5": {"channel_axis": 5},
        "progress=123": {"progress": 123},
        "tile=0": {"tile": 0},
    }.items():
        api(f"deblur {label}", lambda k=kwargs: deblur(np.stack([img, img]), model=net, **k))
    for label, bad in {
        "str": "x.tif",
        "scalar": np.float32(3),
        "(0,64)": np.zeros((0, 64)),
        "(64,0)": np.zeros((64, 0)),
        "NaN": np.full((40, 40), np.nan),
    }.items():
        api(f"deblur {label}", lambda b=bad: deblur(b, model=net))
    api("device cpu:99", lambda: resolve_device("cpu:99"))
    _estimate_cases()
    _save_load_cases(root, fx, net)
    _tile_case(net)


def _estimate_cases() -> None:
    from napari_defocus_deblur.estimate import estimate_defocus

    def no_confidence(est: object) -> str:
        return "" if est.confidence == 0.0 else f"confidence {est.confidence} on no signal"

    board = (np.indices((256, 256)).sum(0) % 2) * 1000.0 + 100.0
    for label, image in {
        "constant": np.full((256, 256), 700.0),
        "blank": np.zeros((256, 256)),
        "checkerboard": board,
    }.items():
        api(f"estimate {label}", lambda i=image: estimate_defocus(i), no_confidence, refuse=False)
    api("estimate x1e300", lambda: estimate_defocus(field((128, 128)) * 1e300))
    api("estimate 'abc'", lambda: estimate_defocus("abc"))


def _save_load_cases(root: Path, fx: dict[str, Path], net: object) -> None:
    from napari_defocus_deblur.inference import load_model, save_model

    for label, kwargs in {
        "depth -5": {"depth_um": -5},
        "depth NaN": {"depth_um": float("nan")},
        "fusion bad": {"fusion": "bad"},
    }.items():
        api(f"save_model {label}", lambda k=kwargs: save_model(net, root / "sm-x", **k))

    def loads_back(folder: object) -> str:
        text = (Path(folder) / "config.json").read_text()
        load_model(folder)
        return "JSON NaN literal written" if "NaN" in text else ""

    api(
        "save_model NaN info",
        lambda: save_model(net, root / "sm-nan", depth_um=10, metrics={"psnr": float("nan")}),
        loads_back,
        refuse=False,
    )
    mine = root / "user-config"
    mine.mkdir()
    (mine / "config.json").write_text('{"mine": 1}')
    before = snapshot([mine])
    api("save_model over a user config", lambda: save_model(net, mine, depth_um=10))
    if snapshot([mine]) != before:
        record("save_model over a user config", "data loss", "config.json replaced")
    for key in ("int32", "huge", "evil"):
        api(f"load_model {key}", lambda k=key: load_model(fx[k]))


def _tile_case(net: object) -> None:
    """A tile below the reach: enlarged (warning) or refused, never a silent seam."""
    from napari_defocus_deblur.inference import deblur

    image = field((200, 232), seed=3)

    def seam() -> str:
        whole = deblur(image, model=net, device="cpu", tile=256)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tiled = deblur(image, model=net, device="cpu", tile=32)
        diff = float(np.abs(tiled - whole).max() / (whole.max() - whole.min()))
        warned = any("reach" in str(w.message) for w in caught)
        return "" if diff <= 0.01 or warned else f"tile 32 differs by {diff:.1%} unannounced"

    api("deblur tile below the reach", lambda: None, lambda _none: seam(), refuse=False)


# --- reader paths and fuzzed TIFFs ------------------------------------------------------


def reader_cases(root: Path, fx: dict[str, Path]) -> None:
    from napari_defocus_deblur.io.reader import get_reader

    def read(path: Path) -> object:
        reader = get_reader(str(path))
        return [] if reader is None else reader(str(path))

    def layers_ok(layers: object) -> str:
        for data, _kwargs, _kind in layers or []:
            if 0 in tuple(np.shape(data)):
                return f"zero-size layer {np.shape(data)}"
        return ""

    uneven = root / "uneven"
    for plane in (0, 16, 21, 33):
        folder = uneven / f"BBBC006_v1_images_z_{plane:02d}"
        folder.mkdir(parents=True)
        tifffile.imwrite(folder / "mcf-z-stacks-03212011_a01_s1_w1abc.tif", field((40, 48)))

    def even_scale(layers: object) -> str:
        scale = layers[0][1]["scale"][0] if layers else None
        return "" if scale == 2.0 else f"z scale {scale} for uneven planes"

    api("reader z_99", lambda: read(fx["z99"]), layers_ok)
    api("reader uneven planes", lambda: read(uneven), even_scale, refuse=False)
    for name in ("empty.tif", "series.tif", "big.tif"):
        api(f"reader {name}", lambda n=name: read(fx["special"] / n), layers_ok, refuse=False)
    junk = root / "junk.tif"
    junk.write_bytes(b"not a tiff at all")
    api("reader junk.tif", lambda: read(junk), layers_ok, refuse=False)


def fuzz_cases(root: Path, fx: dict[str, Path], count: int) -> None:
    """Byte-flipped TIFFs through the reader (in process) and a few through predict."""
    from napari_defocus_deblur.cli import main
    from napari_defocus_deblur.io.tiff import read_image

    rng = random.Random(21)
    source = fx["raw"] / "one.tif"
    good = source.read_bytes()
    folder = root / "fuzz"
    folder.mkdir()
    for i in range(count):
        data = bytearray(good)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(8, len(data))]
        path = folder / f"f{i:03d}.tif"
        path.write_bytes(bytes(data))
        api(f"fuzz read {path.name}", lambda p=path: read_image(p), lambda r: "", refuse=False)
        if i % 8 == 0:
            argv = [
                "predict",
                str(path),
                "-o",
                str(root / f"fo{i}"),
                "--model",
                str(fx["ckpt"]),
                "--device",
                "cpu",
            ]
            api(
                f"fuzz predict {path.name}",
                lambda a=argv: _status(main, a),
                lambda r: "",
                refuse=False,
            )


def _status(main: Callable, argv: list[str]) -> int:
    import contextlib
    import io

    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        try:
            return main(argv)
        except SystemExit as exc:
            return int(exc.code or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=40, help="fuzzed TIFFs (default 40)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    # the CLI runs start in temporary folders: give them this checkout's package
    package = Path(__file__).resolve().parents[1] / "src"
    paths = [str(package), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in paths if p)
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        root = Path(tmp)
        os.environ.setdefault("DEFOCUS_DEBLUR_CACHE_DIR", str(root / "cache"))
        fx = fixtures(root)
        cli_cases(root, fx)
        api_cases(root, fx)
        reader_cases(root, fx)
        fuzz_cases(root, fx, args.fuzz)
    total = sum(RESULTS.values())
    counts = ", ".join(f"{c}: {RESULTS[c]}" for c in CATEGORIES)
    print(f"{total} cases in {time.perf_counter() - t0:.0f} s -- {counts}")


if __name__ == "__main__":
    main()
