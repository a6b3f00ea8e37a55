"""journey serve: reports over HTTP on localhost, read-only, nothing outside the folder, no listings."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest

from journey.runs.serve import make_server


@pytest.fixture
def server(tmp_path):
    reports = tmp_path / "reports"
    (reports / "weekly" / "run-1").mkdir(parents=True)
    (reports / "index.html").write_text("<h1>index</h1>")
    (reports / "weekly" / "run-1" / "overview.html").write_text("<h1>overview</h1>")
    (tmp_path / "secret.txt").write_text("outside")
    srv = make_server(reports, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _get(url: str, method: str = "GET") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def test_reports_are_served(server) -> None:
    assert _get(f"{server}/index.html") == (200, "<h1>index</h1>")
    assert _get(f"{server}/weekly/run-1/overview.html") == (200, "<h1>overview</h1>")


def test_nothing_outside_the_folder_and_no_listings(server) -> None:
    assert _get(f"{server}/../secret.txt")[0] == 404
    assert _get(f"{server}/%2e%2e/secret.txt")[0] == 404
    assert _get(f"{server}/weekly/")[0] == 404
    assert _get(f"{server}/weekly/run-1/")[0] == 404


def test_writes_are_refused(server) -> None:
    assert _get(f"{server}/index.html", method="POST")[0] == 405
    assert _get(f"{server}/index.html", method="DELETE")[0] == 405


def test_it_binds_to_localhost_only(tmp_path) -> None:
    srv = make_server(tmp_path, port=0)
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.server_close()
