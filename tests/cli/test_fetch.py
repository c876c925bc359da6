"""The downloader against a local HTTP server (127.0.0.1) with Range support."""

from __future__ import annotations

import ast
import io
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import download
from napari_defocus_deblur.io.bbbc006 import format_name
from napari_defocus_deblur.io.pairs import find_pairs, load_pair
from napari_defocus_deblur.progress import drive

pytestmark = pytest.mark.network


def _archive(plane: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for well, site in (("a01", 1), ("a01", 2)):
            tif = io.BytesIO()
            tifffile.imwrite(tif, np.full((6, 8), plane + site, np.uint16), compression="lzw")
            zf.writestr(
                f"BBBC006_v1_images_z_{plane:02d}/{format_name(well, site, 1)}", tif.getvalue()
            )
    return buf.getvalue()


class _Server:
    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[tuple[str, str | None]] = []
        self.lie_about_length = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                rng = self.headers.get("Range")
                server.requests.append((name, rng))
                if name not in server.files:
                    self.send_error(404, "Not Found")
                    return
                data = server.files[name]
                start = 0
                if rng:
                    start = int(re.match(r"bytes=(\d+)-", rng)[1])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                length = len(body) + (100 if server.lie_about_length else 0)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/bbbc/BBBC006/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    files = {f"BBBC006_v1_images_z_{z:02d}.zip": _archive(z) for z in (0, 16, 17, 33)}
    with _Server(files) as s:
        yield s


def test_fetch_downloads_and_extracts_for_the_reader(tmp_path, server, capsys):
    out = tmp_path / "data"
    code = main(["fetch-bbbc006", str(out), "--base-url", server.url, "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in printed] == [  # default: the paper's 34 um pair
        "BBBC006_v1_images_z_00",
        "BBBC006_v1_images_z_17",
    ]
    assert not list(out.glob("*.zip")) and not list(out.glob("*.part"))
    pairs = find_pairs(out, 34)  # z_00 with the paper's ground truth z_17
    oof, sharp = load_pair(pairs[1])
    assert oof[0, 0] == 0 + 2 and sharp[0, 0] == 17 + 2
    # a second run finds the planes extracted and asks the server nothing
    n = len(server.requests)
    assert (
        main(["fetch-bbbc006", str(out), "--planes", "17", "--base-url", server.url, "--quiet"])
        == 0
    )
    assert len(server.requests) == n


def test_resume_with_range(tmp_path, server):
    name = "BBBC006_v1_images_z_33.zip"
    data = server.files[name]
    (tmp_path / f"{name}.part").write_bytes(data[:1000])
    events = []
    paths = download.fetch_bbbc006(
        tmp_path, [33], base_url=server.url, extract=False, progress=events.append
    )
    assert paths == [tmp_path / name]
    assert server.requests == [(name, "bytes=1000-")]
    assert (tmp_path / name).read_bytes() == data
    assert events[0] == download.DownloadProgress(name, 1000, len(data))
    assert events[-1].done == len(data) and events[-1].fraction == 1.0


def test_download_is_a_generator_of_byte_progress(tmp_path, server):
    name = "BBBC006_v1_images_z_16.zip"
    job = download.iter_download(server.url + name, tmp_path / name)
    assert not server.requests  # nothing happens before the job runs
    events = []
    assert drive(job, events.append) == tmp_path / name
    done = [e.done for e in events]
    assert done[0] == 0 and done == sorted(done) and done[-1] == len(server.files[name])
    assert {(e.name, e.total) for e in events} == {(name, len(server.files[name]))}
    assert not list(tmp_path.glob("*.part"))


def test_cli_shows_progress_bars_on_stderr(tmp_path, server, capsys):
    out = tmp_path / "data"
    assert main(["fetch-bbbc006", str(out), "--planes", "16", "--base-url", server.url]) == 0
    captured = capsys.readouterr()
    assert captured.out.split()[-1].endswith("BBBC006_v1_images_z_16")
    assert "BBBC006_v1_images_z_16.zip" in captured.err


def test_the_core_downloader_draws_no_progress_bar():
    package = Path(download.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] == "tqdm"], module.name


def test_complete_part_gets_416_and_is_kept(tmp_path, server):
    name = "BBBC006_v1_images_z_16.zip"
    (tmp_path / f"{name}.part").write_bytes(server.files[name])
    download.fetch_bbbc006(tmp_path, [16], base_url=server.url, keep_zip=True)
    assert (tmp_path / name).read_bytes() == server.files[name]
    assert len(list((tmp_path / "BBBC006_v1_images_z_16").iterdir())) == 2


def test_size_mismatch_keeps_part_for_resume(tmp_path, server):
    server.lie_about_length = True
    with pytest.raises(UserInputError, match="run the command again to resume"):
        download.fetch_bbbc006(tmp_path, [16], base_url=server.url)
    assert (tmp_path / "BBBC006_v1_images_z_16.zip.part").exists()
    assert not (tmp_path / "BBBC006_v1_images_z_16.zip").exists()
    server.lie_about_length = False
    download.fetch_bbbc006(tmp_path, [16], base_url=server.url)
    assert server.requests[-1][1] is not None  # resumed with a Range request
    assert len(list((tmp_path / "BBBC006_v1_images_z_16").iterdir())) == 2


def test_http_errors_and_corrupt_archives(tmp_path, server, capsys):
    code = main(
        ["fetch-bbbc006", str(tmp_path), "--planes", "5", "--base-url", server.url, "--quiet"]
    )
    assert code == 2
    assert "HTTP 404" in capsys.readouterr().err
    server.files["BBBC006_v1_images_z_05.zip"] = b"not a zip at all"
    with pytest.raises(UserInputError, match="not a valid zip archive"):
        download.fetch_bbbc006(tmp_path, [5], base_url=server.url)
    with pytest.raises(UserInputError, match=r"planes must be within 0\.\.33"):
        download.fetch_bbbc006(tmp_path, [34], base_url=server.url)


def test_unreachable_server(tmp_path):
    with pytest.raises(UserInputError, match=r"cannot reach http://127\.0\.0\.1:9/"):
        download.download("http://127.0.0.1:9/x.zip", tmp_path / "x.zip", timeout=2)


def test_unsafe_member_paths_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.tif", b"x")
    with pytest.raises(UserInputError, match="unsafe member path"):
        download.extract_plane(archive, tmp_path / "out", 16)
