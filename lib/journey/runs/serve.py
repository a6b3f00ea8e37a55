"""``journey serve``: the reports folder over HTTP on localhost, read-only.

The standard library's ``SimpleHTTPRequestHandler`` rooted at ``reports/`` (its ``directory``
argument keeps every path inside it, ``..`` included), with directory listings turned off (a
folder without an ``index.html`` is a 404, not a list of files) and every method but GET and
HEAD refused. It binds to 127.0.0.1 only: a report server for the analyst's own machine, not a
web server for the internet.
"""

from __future__ import annotations

import functools
import http.server
from pathlib import Path


class ReportsHandler(http.server.SimpleHTTPRequestHandler):
    """Static files under the reports folder; no directory listings, no writes."""

    def list_directory(self, path):
        self.send_error(404, "No listing here: open index.html")
        return None

    def do_POST(self) -> None:
        self.send_error(405, "Read-only")

    do_PUT = do_DELETE = do_PATCH = do_POST

    def log_message(self, format: str, *args) -> None:
        pass  # quiet: a report server for one person


def make_server(reports_dir: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server bound to 127.0.0.1:``port`` (0: any free port) serving ``reports_dir``."""
    handler = functools.partial(ReportsHandler, directory=str(reports_dir))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
