"""A local stand-in for Danmarks Statistik's API (127.0.0.1, own thread) for the tests.

The recorded answer `fixtures/dst_folk1a_2024K1.csv` is RECONSTRUCTED in the API's documented
CSV format from the bundled 1 January 2024 figures, since the real API is not reachable from
the test machine (see test_population_update.py).
"""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dst_folk1a_2024K1.csv"
RECORDED = FIXTURE.read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        server = self.server
        server.requests.append(self.path)
        if server.delay and server.release.wait(server.delay):
            return  # test over: give up without answering
        status, content_type, body = server.answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep pytest's output clean
        pass


class FakeDST:
    def __init__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.server.requests = []
        self.server.delay = 0
        self.server.release = threading.Event()
        self.answer(RECORDED)
        # shutdown() waits for the loop to notice: a short poll keeps close() short
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.005,),
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def requests(self) -> list[str]:
        return self.server.requests

    def answer(self, body: bytes | str, status: int = 200,
               content_type: str = "text/csv; charset=utf-8", delay: float = 0):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.server.answer = (status, content_type, body)
        self.server.delay = delay

    def close(self):
        self.server.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def _answer_text(transform=None) -> str:
    """The recorded answer, optionally with each data row (a list of fields) changed."""
    text = RECORDED.decode("utf-8-sig")
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split(";")
        fields = transform(fields) if transform else fields
        if fields is not None:
            out.append(";".join(fields))
    return "\ufeff" + "\r\n".join(out) + "\r\n"


