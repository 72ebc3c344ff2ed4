"""Shell: worker processes that run the add-in's calls, so that none runs on the event loop.

A call of a worksheet function or a button script is handed over as the request body it came
with. The worker does everything else: JSON decoding, xlwings' conversion of the payload into
arguments or a book, our function or script, the conversion of the answer, and JSON encoding.
The server's event loop only reads bodies and writes answers, so one large call cannot make
the other users wait.

Functions and scripts have pools of their own: a nationwide Beregn never occupies a function
worker, and because the workers are processes, it does not hold the server's GIL either. A
call that exceeds its budget has its worker process killed; a thread could not be stopped
and would go on using a core. The next call starts a fresh worker in its place.

Worker processes are forked from a fork server that has imported xlwings and our modules
(where the platform has one; otherwise they are spawned, which takes a second or two each).
"""
from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

FUNCTION, SCRIPT = "function", "script"
_PRELOAD = ["xl_underskud.excel.functions", "xl_underskud.excel.scripts", "xlwings_server.models"]

logger = logging.getLogger("xl_underskud.server")


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes  # JSON (an answer, or {"detail": "…"} for an error)
    name: str = ""  # the function or script, for the server's log


class CallTimeout(Exception):
    """The budget ran out; `started` is False when the call was still waiting for a worker."""

    def __init__(self, started: bool):
        super().__init__(started)
        self.started = started


class WorkerLost(Exception):
    """The worker process ended during the call (killed from outside, out of memory …)."""


# --------------------------------------------------------------------------------------------
# In the worker process
# --------------------------------------------------------------------------------------------

class _Refused(Exception):
    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status, self.text = status, text


def _detail(status: int, text: str, name: str = "") -> Reply:
    return Reply(status, json.dumps({"detail": text}, ensure_ascii=False).encode(), name)


def _encode(content) -> bytes:
    """JSON as FastAPI's JSONResponse writes it (falling back on its encoder for odd types)."""
    def dumps(value):
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    try:
        return dumps(content).encode()
    except TypeError:
        from fastapi.encoders import jsonable_encoder

        return dumps(jsonable_encoder(content)).encode()


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError:
        raise _Refused(400, "Forespørgslen er ikke gyldig JSON.") from None
    if not isinstance(data, dict):
        raise _Refused(400, "Forespørgslen har ikke det forventede indhold.")
    return data


class Runner:
    """What a worker process does with one call. Imports happen once, in the worker."""

    def __init__(self):
        from xl_underskud.excel.server import configure

        configure()
        import xlwings as xw
        import xlwings.server
        from xlwings_server.models import CurrentUser

        from xl_underskud.excel import functions, scripts

        self.xw, self.server, self.user_type = xw, xlwings.server, CurrentUser
        self.functions, self.scripts = functions, scripts
        self.loop = asyncio.new_event_loop()

    def __call__(self, kind: str, name: str | None, body: bytes, user) -> Reply:
        return self.loop.run_until_complete(self.answer(kind, name, body, user))

    async def answer(self, kind: str, name: str | None, body: bytes, user) -> Reply:
        self.name = name or ""
        try:
            if kind == FUNCTION:
                return Reply(200, _encode({"result": await self.function(body, user)}),
                             self.name)
            return Reply(200, _encode(await self.script(name, body, user)), self.name)
        except _Refused as exc:
            return _detail(exc.status, exc.text, self.name)
        except self.xw.XlwingsError as exc:
            logger.warning("xlwings afviste kaldet af %r: %s", self.name, exc)
            return _detail(400, "Forespørgslen kunne ikke bruges (se serverens log).", self.name)
        except Exception:
            logger.exception("Fejl i kaldet af %r fra tilføjelsesprogrammet", self.name)
            return _detail(500, "Der opstod en fejl på serveren (se serverens log).", self.name)

    async def function(self, body: bytes, user):
        data = _json_object(body)
        name = data.get("func_name")
        if name not in self.functions.__all__:
            raise _Refused(404, "Funktionen findes ikke.")
        self.name = name
        if not isinstance(data.get("args"), list):
            raise _Refused(400, "Forespørgslen har ikke det forventede indhold.")
        try:
            caller = self.server.caller_from_address(data.get("caller_address"))
        except self.xw.XlwingsError:
            caller = None
        try:
            value = await self.server.custom_functions_call(
                data, self.functions, user,
                typehint_to_value={self.user_type: user, self.server.Caller: caller})
        except (KeyError, TypeError, IndexError):
            raise _Refused(400, "Forespørgslen har ikke det forventede indhold.") from None
        if isinstance(value, self.xw.CustomFunctionResult):  # WithScript: not used here
            raise _Refused(400, "Funktionen bad om et script; det understøttes ikke.")
        return value

    async def script(self, name: str, body: bytes, user) -> dict:
        data = _json_object(body)
        args = data.pop("args", None)
        if args is not None and not isinstance(args, list):
            raise _Refused(400, "'args' skal være en liste.")
        try:
            book = self.xw.Book(json=data)
        except (KeyError, TypeError, IndexError, ValueError):
            raise _Refused(400, "Forespørgslen indeholder ikke en projektmappe.") from None
        try:
            await self.server.custom_scripts_call(
                self.scripts, name, user,
                typehint_to_value={self.user_type: user, self.xw.Book: book}, args=args or [])
            return book.json()
        finally:
            book.close()


def _serve(conn, kind: str) -> None:
    """The worker process: answer calls from the pipe until the server closes it."""
    runner = Runner()
    while True:
        try:
            name, body, user = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(runner(kind, name, body, user))


# --------------------------------------------------------------------------------------------
# In the server process
# --------------------------------------------------------------------------------------------

def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, ctx, kind: str):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, kind), daemon=True,
                                   name=f"xl-underskud-{kind}")
        self.process.start()
        child.close()

    def call(self, message) -> Reply:
        self.conn.send(message)
        return self.conn.recv()

    def close(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


class _Job:
    """One call, shared between the event loop (which may give up on it) and a pool thread."""

    def __init__(self, message):
        self.message = message
        self.lock = threading.Lock()
        self.worker: _Worker | None = None
        self.cancelled = False

    def cancel(self) -> bool:
        """Give up: kill the worker if the call is running. True if it had started."""
        with self.lock:
            self.cancelled = True
            if self.worker is not None:
                self.worker.process.kill()
                return True
            return False


class WorkerPool:
    """`size` worker processes of one kind; each runs one call at a time."""

    def __init__(self, kind: str, size: int):
        self.kind, self.size = kind, size
        self._ctx = _context()
        self._threads = ThreadPoolExecutor(size, thread_name_prefix=f"xl-underskud-{kind}")
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()

    def _take(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return _Worker(self._ctx, self.kind)
            if worker.process.is_alive():
                return worker
            worker.close()

    def _run(self, job: _Job) -> Reply:
        """In a pool thread: at most `size` of these run at once, so workers are never shared."""
        if job.cancelled:
            raise WorkerLost
        worker = self._take()
        with job.lock:
            if job.cancelled:
                self._idle.put(worker)
                raise WorkerLost
            job.worker = worker
        try:
            reply = worker.call(job.message)
        except (EOFError, OSError):
            worker.close()
            raise WorkerLost from None
        with job.lock:
            job.worker = None
        self._idle.put(worker)
        return reply

    async def call(self, name: str | None, body: bytes, user, budget: float) -> Reply:
        """The worker's reply; CallTimeout after `budget` seconds (waiting included)."""
        job = _Job((name, body, user))
        future = asyncio.get_running_loop().run_in_executor(self._threads, self._run, job)
        try:
            return await asyncio.wait_for(future, budget)
        except asyncio.TimeoutError:
            raise CallTimeout(job.cancel()) from None

    def warm_up(self) -> None:
        """Start the workers now rather than at the first calls."""
        for worker in [self._take() for _ in range(self.size)]:
            self._idle.put(worker)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        self._threads.shutdown(wait=False, cancel_futures=True)


_POOLS: dict[str, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def pool(kind: str, size: int) -> WorkerPool:
    """The process-wide pool of one kind (created at the first call with the size given)."""
    with _POOLS_LOCK:
        if kind not in _POOLS:
            _POOLS[kind] = WorkerPool(kind, size)
        return _POOLS[kind]


def default_workers(kind: str) -> int:
    cpus = os.cpu_count() or 2
    return cpus if kind == FUNCTION else max(1, cpus // 2)
