from __future__ import annotations

import json
import re

import numpy as np
import pytest
import tifffile
from skimage.io import imsave

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.pairs import find_pairs, load_pair
from napari_defocus_deblur.simulate.dataset import iter_write_dataset, write_dataset

NAME = re.compile(
    r"^mcf-z-stacks-03212011_[a-p]\d\d_s[12]_w[12]"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.tif$"
)
SHAPE = (48, 64)


def _snapshot(root):
    return {
        p.relative_to(root).as_posix(): tifffile.imread(p) for p in sorted(root.rglob("*.tif"))
    }


def test_exact_bbbc006_layout(tmp_path):
    out = write_dataset(tmp_path / "sim", 3, planes=(11, 0), seed=1, shape=SHAPE)
    assert sorted(p.name for p in out.iterdir()) == [
        "BBBC006_v1_images_z_00",
        "BBBC006_v1_images_z_11",
        "BBBC006_v1_images_z_16",
        "simulation.json",
    ]
    files = sorted((out / "BBBC006_v1_images_z_16").iterdir())
    assert len(files) == 3 * 2
    assert all(NAME.match(f.name) for f in files)
    assert [f.name[22:31] for f in files[::2]] == ["a01_s1_w1", "a01_s2_w1", "a02_s1_w1"]
    with tifffile.TiffFile(files[0]) as tif:
        page = tif.pages[0]
        assert page.compression == tifffile.COMPRESSION.LZW
        assert page.shape == SHAPE and page.dtype == np.uint16
    info = json.loads((out / "simulation.json").read_text())
    assert info["planes"] == [0, 11, 16] and info["seed"] == 1
    assert info["in_focus_plane"] == 16  # the set's default reference plane
    pairs = find_pairs(out, 32, channel=2)  # z_00 with the recorded z_16
    assert pairs[0].oof_path.parent.name.endswith("z_00")
    assert pairs[0].in_focus_path.parent.name.endswith("z_16")
    oof, sharp = load_pair(pairs[0])
    assert oof.shape == SHAPE and sharp.max() <= 4095


def test_deterministic_for_a_seed(tmp_path):
    a = _snapshot(
        write_dataset(tmp_path / "a", 2, planes=(0, 16), seed=5, channels=(1,), shape=SHAPE)
    )
    b = _snapshot(
        write_dataset(tmp_path / "b", 2, planes=(0, 16), seed=5, channels=(1,), shape=SHAPE)
    )
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    c = _snapshot(
        write_dataset(tmp_path / "c", 2, planes=(0, 16), seed=6, channels=(1,), shape=SHAPE)
    )
    assert a.keys() != c.keys()


def test_progress_events(tmp_path):
    gen = iter_write_dataset(tmp_path, 2, (16,), channels=(1,), shape=SHAPE)
    events = []
    with pytest.raises(StopIteration) as stop:
        while True:
            events.append(next(gen))
    assert [(e.done, e.total, e.field_id) for e in events] == [(1, 2, "a01_s1"), (2, 2, "a01_s2")]
    assert stop.value.value == tmp_path


def test_refuses_non_empty_output_and_bad_arguments(tmp_path):
    write_dataset(tmp_path, 1, (16,), channels=(1,), shape=SHAPE)
    with pytest.raises(UserInputError, match="already holds files"):
        write_dataset(tmp_path, 1, (16,), channels=(1,), shape=SHAPE)
    with pytest.raises(UserInputError, match=r"planes must be within 0\.\.33"):
        write_dataset(tmp_path / "x", 1, (40,), shape=SHAPE)
    with pytest.raises(UserInputError, match="channels must be among"):
        write_dataset(tmp_path / "x", 1, (16,), channels=(3,), shape=SHAPE)
    with pytest.raises(UserInputError, match="number of fields"):
        write_dataset(tmp_path / "x", 0, (16,), shape=SHAPE)
    with pytest.raises(UserInputError, match="content folder not found"):
        write_dataset(tmp_path / "x", 1, (16,), shape=SHAPE, content_dir=tmp_path / "nope")


def test_content_dir_images_become_the_in_focus_plane(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    image = np.full((60, 70), 120, np.uint16)
    image[20:40, 20:40] = 1500
    imsave(content / "cells_w1.png", image, check_contrast=False)
    (content / "notes.txt").write_text("ignored")
    out = write_dataset(
        tmp_path / "sim", 1, (16, 33), channels=(1, 2), shape=SHAPE, content_dir=content
    )
    sharp = tifffile.imread(next((out / "BBBC006_v1_images_z_16").glob("*_w1*")))
    assert set(np.unique(sharp)) == {120, 1500}  # the real image itself (cropped/flipped)
    blurred = tifffile.imread(next((out / "BBBC006_v1_images_z_33").glob("*_w1*")))
    assert blurred.max() < 1500
    w2 = tifffile.imread(next((out / "BBBC006_v1_images_z_16").glob("*_w2*")))
    assert set(np.unique(w2)) != {120, 1500}  # no w2 content: procedural actin


def test_real_in_focus_content(tmp_path, real_bbbc006):
    out = write_dataset(
        tmp_path, 1, (16, 33), channels=(1,), shape=SHAPE, content_dir=real_bbbc006 / "in-focus"
    )
    sharp = tifffile.imread(next((out / "BBBC006_v1_images_z_16").iterdir()))
    assert sharp.shape == SHAPE and 100 < np.median(sharp) < 200


def test_content_fraction_mixes_real_and_procedural_fields(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    image = np.full(SHAPE, 120, np.uint16)
    image[10:30, 10:30] = 1500
    imsave(content / "cells_w1.png", image, check_contrast=False)
    out = write_dataset(
        tmp_path / "sim",
        6,
        (16,),
        channels=(1,),
        shape=SHAPE,
        content_dir=content,
        content_fraction=0.5,
    )
    real = json.loads((out / "simulation.json").read_text())["real_content_fields"]
    assert len(real) == 3
    sharp = [tifffile.imread(p) for p in sorted((out / "BBBC006_v1_images_z_16").iterdir())]
    is_real = [set(np.unique(s)) == {120, 1500} for s in sharp]
    assert sum(is_real) == 3 and [i for i, r in enumerate(is_real) if r] == sorted(real)
    with pytest.raises(UserInputError, match="content fraction"):
        write_dataset(tmp_path / "x", 1, (16,), shape=SHAPE, content_fraction=1.5)
