"""SIGKILL at any moment of a save: the folder holds one whole checkpoint, resume is exact.

Two levels: many kills of a process that does nothing but save file sets (cheap, so
the kills land at every step of a save), and a few kills of real training runs that
checkpoint every step, each resumed and compared bit for bit with an uninterrupted
run (or refused with a message). Both loops are bounded in time.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

import napari_defocus_deblur
from napari_defocus_deblur.errors import CheckpointError
from napari_defocus_deblur.io.fileset import COMMIT_DIR, STAGING_PREFIX, file_set, recover
from napari_defocus_deblur.training import train
from tests.faults.helpers import train_config as config
from tests.faults.helpers import train_data as data

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

REPO = Path(__file__).resolve().parents[2]
SRC = Path(napari_defocus_deblur.__file__).resolve().parent

SAVER = textwrap.dedent(
    """
    import sys, types
    for name, path in (("napari_defocus_deblur", {src!r}), ("napari_defocus_deblur.io", {io!r})):
        module = types.ModuleType(name)
        module.__path__ = [path]
        sys.modules[name] = module
    from pathlib import Path
    from napari_defocus_deblur.io.fileset import file_set

    folder, payload = Path(sys.argv[1]), bytes(300_000)
    generation = 0
    while True:
        generation += 1
        tag = generation.to_bytes(8, "little")
        with file_set(folder, first=("state.json",)) as staging:
            (staging / "a.bin").write_bytes(tag + payload)
            (staging / "b.bin").write_bytes(tag + payload[:1000])
            (staging / "state.json").write_text(str(generation))
    """
)

TRAINER = textwrap.dedent(
    """
    import sys
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, {repo!r})
    from tests.faults.helpers import train_config, train_data
    from napari_defocus_deblur.training import train
    train(train_config(sys.argv[1]), train_data())
    """
)


def _start(script: Path, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, str(script), str(folder)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_after_first_save(procs: list, markers: list[Path], delays: list[float]) -> None:
    """SIGKILL each process ``delay`` seconds after its ``marker`` file appeared."""
    due: dict[int, float] = {}
    deadline = time.monotonic() + 180
    try:
        while len(due) < len(procs) or any(p.poll() is None for p in procs):
            now = time.monotonic()
            assert now < deadline, "no checkpoint appeared"
            for i, (proc, marker) in enumerate(zip(procs, markers)):
                if i not in due and marker.exists():
                    due[i] = now + delays[i]
                if i in due and now >= due[i] and proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                if i not in due and proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode()[-2000:])
            time.sleep(0.002)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            proc.stderr.close()


def test_killed_file_set_saves_leave_one_whole_set(tmp_path):
    script = tmp_path / "saver.py"
    script.write_text(SAVER.format(src=str(SRC), io=str(SRC / "io")))
    rng = random.Random(14)
    kills, started = 0, time.monotonic()
    while kills < 20 and time.monotonic() - started < 6:
        folder = tmp_path / f"set{kills}"
        marker = folder / "state.json"
        _kill_after_first_save([_start(script, folder)], [marker], [rng.random() / 8])
        kills += 1
        recover(folder, first=("state.json",))
        generation = int(marker.read_text())
        for name in ("a.bin", "b.bin"):
            assert int.from_bytes((folder / name).read_bytes()[:8], "little") == generation
        with file_set(folder) as staging:  # the next save clears what the kill left
            (staging / "c.bin").write_bytes(b"c")
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["a.bin", "b.bin", "c.bin", "state.json"], names
    assert kills >= 5


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_training_killed_during_checkpoints_resumes_exactly_or_refuses(tmp_path):
    script = tmp_path / "trainer.py"
    script.write_text(TRAINER.format(repo=str(REPO)))
    runs = [tmp_path / f"run{i}" for i in range(2)]
    procs = [_start(script, out) for out in runs]  # they import torch while we train
    try:
        reference = _weights(train(config(tmp_path / "reference"), data()))
    finally:
        rng = random.Random(6)
        markers = [out / "training_state.json" for out in runs]
        _kill_after_first_save(procs, markers, [rng.random() * 0.4 for _ in runs])
    outcomes = []
    for out, marker in zip(runs, markers):
        saved_step = json.loads(marker.read_text())["step"]
        try:
            resumed = _weights(train(config(out, resume=True), data()))
        except CheckpointError as exc:  # refusing is allowed, silently differing is not
            assert "cannot resume" in str(exc)
            outcomes.append("refused")
            continue
        for key, value in reference.items():
            assert torch.equal(value, resumed[key]), (key, saved_step)
        assert not any(p.name.startswith((STAGING_PREFIX, COMMIT_DIR)) for p in out.iterdir())
        outcomes.append(f"exact from step {saved_step}")
    assert any(o.startswith("exact") for o in outcomes), outcomes


def test_a_checkpoint_file_changed_after_saving_is_refused(tmp_path):
    out = tmp_path / "run"
    train(config(out, steps=3), data())
    other = tmp_path / "other"
    train(config(other, steps=2), data())
    (out / "optimizer.safetensors").write_bytes((other / "optimizer.safetensors").read_bytes())
    with pytest.raises(CheckpointError, match=r"optimizer\.safetensors differs"):
        train(config(out, steps=6, resume=True), data())
    (out / "optimizer.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"optimizer\.safetensors is missing"):
        train(config(out, steps=6, resume=True), data())


def test_an_interrupted_commit_is_completed_when_read(tmp_path):
    from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

    out = tmp_path / "run"
    train(config(out, steps=2), data())
    commit = out / COMMIT_DIR
    commit.mkdir()
    info = json.loads((out / "config.json").read_text())
    info["name"] = "after the commit point"
    (commit / "config.json").write_text(json.dumps(info))
    assert read_checkpoint_info(out)["name"] == "after the commit point"
    assert not commit.exists()
