"""Zip bombs are refused before they are expanded; interrupted extractions complete."""

from __future__ import annotations

import errno
import io
import shutil
import tracemalloc
import zipfile

import numpy as np
import pytest
import tifffile

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import archive as archive_limits
from napari_defocus_deblur.io import download
from napari_defocus_deblur.io.bbbc006 import format_name
from napari_defocus_deblur.io.reader import read_bbbc006
from napari_defocus_deblur.io.tiff import read_image

PLANE = "BBBC006_v1_images_z_16"
UUID = "0123abcd-0000-0000-0000-000000000000"


def _name(site: int) -> str:
    return format_name("a01", site, 1, UUID)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A ~40 KB plane archive holding one 40 MiB member of zeros."""
    path = tmp_path_factory.mktemp("bomb") / f"{PLANE}.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open(f"{PLANE}/{_name(1)}", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(40):
            member.write(chunk)
    assert path.stat().st_size < 1 << 20
    return path


def _plane_archive(path, n=6):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for site in range(1, n + 1):
            tif = io.BytesIO()
            tifffile.imwrite(tif, np.full((6, 8), site, np.uint16))
            zf.writestr(f"{PLANE}/{_name(site)}", tif.getvalue())
    return path


def test_reading_a_bomb_member_is_refused_without_expanding_it(bomb):
    member = bomb / PLANE / _name(1)
    tracemalloc.start()
    try:
        with pytest.raises(UserInputError, match="zip bomb"):
            read_image(member)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024**2


def test_the_reader_and_the_extractor_refuse_bombs(bomb, tmp_path):
    with pytest.raises(UserInputError, match=r"expands \d+-fold"):
        read_bbbc006(str(bomb))
    with pytest.raises(UserInputError, match="zip bomb"):
        download.extract_plane(bomb, tmp_path, 16)
    assert not (tmp_path / PLANE).exists()


def test_archives_with_too_many_members_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_limits, "MAX_MEMBERS", 4)
    archive = _plane_archive(tmp_path / f"{PLANE}.zip")
    with pytest.raises(UserInputError, match="holds 6 members"):
        download.extract_plane(archive, tmp_path / "out", 16)
    with pytest.raises(UserInputError, match="holds 6 members"):
        read_bbbc006(str(archive))


def test_an_interrupted_extraction_is_completed_by_the_next_run(tmp_path, monkeypatch):
    archive = _plane_archive(tmp_path / f"{PLANE}.zip")
    copies = []
    real_copy = shutil.copyfileobj

    def disk_fills_up(src, dst, *args):
        if len(copies) == 3:
            dst.write(b"II*\x00 half")
            raise OSError(errno.ENOSPC, "No space left on device")
        copies.append(1)
        real_copy(src, dst, *args)

    monkeypatch.setattr(shutil, "copyfileobj", disk_fills_up)
    offline = "http://127.0.0.1:9/"  # the archive is here: nothing is downloaded
    with pytest.raises(UserInputError, match="run the command again to complete the plane"):
        download.fetch_bbbc006(tmp_path, [16], base_url=offline)
    folder = tmp_path / PLANE
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        _name(s) for s in (1, 2, 3)
    )  # three verified members, no temporaries
    assert not download.plane_complete(folder) and archive.exists()
    monkeypatch.setattr(shutil, "copyfileobj", real_copy)
    assert download.fetch_bbbc006(tmp_path, [16], base_url=offline) == [folder]
    assert len(list(folder.iterdir())) == 6 and download.plane_complete(folder)
    assert not archive.exists()
    (folder / _name(2)).unlink()  # a member lost later: done no more
    assert not download.plane_complete(folder)


def test_a_damaged_member_is_extracted_again(tmp_path):
    archive = _plane_archive(tmp_path / f"{PLANE}.zip", n=2)
    folder = download.extract_plane(archive, tmp_path, 16)
    victim = folder / _name(1)
    good = victim.read_bytes()
    victim.write_bytes(good[:-1] + b"\xff")  # same size, wrong CRC
    download.extract_plane(archive, tmp_path, 16)
    assert victim.read_bytes() == good
