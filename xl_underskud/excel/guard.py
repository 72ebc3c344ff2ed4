"""Shell: what stands between the network and the add-in's calls in xlwings Server.

- The routes /xlwings/custom-functions-call and /xlwings/custom-scripts-call/{name} are
  replaced by ours: they keep xlwings Server's sign-in (the current_user dependency) and hand
  the body to a worker process (workers.py) with a time budget. When the budget runs out a
  function answers a cell text "#FEJL: …" (an HTTP error would make the add-in retry the same
  slow call three times) and a script answers an HTTP error, which the add-in shows.
- Only `Content-Type: application/json` is accepted there (415 otherwise): a cross-site form
  can post text/plain without asking the browser first, but not JSON.
- A request body larger than the limit is refused with 413 as soon as that is known: from
  Content-Length before anything is read, or while the body streams in.
- Validation errors answer a short Danish text instead of FastAPI's default, which repeats the
  request's content.

Settings (environment variables, read at each call; invalid values stop the server at start):
XL_UNDERSKUD_FUNCTION_TIMEOUT (s, default 30), XL_UNDERSKUD_SCRIPT_TIMEOUT (s, default 270: below
the add-in's own 300 s request timeout, so the user sees our message), XL_UNDERSKUD_MAX_BODY_MB
(default 20; a nationwide workbook with 100,000 stays is ≈ 12 MB), XL_UNDERSKUD_FUNCTION_WORKERS
(default: the number of CPUs) and XL_UNDERSKUD_SCRIPT_WORKERS (default: half of them, at least 1).
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from xlwings_server import dependencies as dep

from xl_underskud.excel import workers
from xl_underskud.excel.workers import CallTimeout, WorkerLost

logger = logging.getLogger("xl_underskud.server")

CELL_ERROR = "#FEJL: "


class SettingError(ValueError):
    pass


def _number(name: str, default: float, integer: bool = False) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if integer else float(text.replace(",", "."))
    except ValueError:
        raise SettingError(f"{name}={text!r} er ikke et {'helt ' if integer else ''}tal.") from None
    if not value > 0 or value != value or value == float("inf"):
        raise SettingError(f"{name}={text!r} skal være større end 0.")
    return value


@dataclass(frozen=True)
class Limits:
    function_seconds: float
    script_seconds: float
    max_body_bytes: int
    function_workers: int
    script_workers: int

    @property
    def max_body_mb(self) -> str:
        return f"{self.max_body_bytes / 1e6:g}".replace(".", ",")


def limits() -> Limits:
    return Limits(
        function_seconds=_number("XL_UNDERSKUD_FUNCTION_TIMEOUT", 30),
        script_seconds=_number("XL_UNDERSKUD_SCRIPT_TIMEOUT", 270),
        max_body_bytes=int(_number("XL_UNDERSKUD_MAX_BODY_MB", 20) * 1_000_000),
        function_workers=int(_number("XL_UNDERSKUD_FUNCTION_WORKERS",
                                     workers.default_workers(workers.FUNCTION), integer=True)),
        script_workers=int(_number("XL_UNDERSKUD_SCRIPT_WORKERS",
                                   workers.default_workers(workers.SCRIPT), integer=True)))


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",") + " s"


def too_large(lim: Limits) -> str:
    return (f"Forespørgslen er for stor (over {lim.max_body_mb} MB). Meget store projektmapper "
            f"beregnes med kommandoen xl-underskud beregn.")


NOT_JSON = "Serveren tager kun imod JSON (Content-Type: application/json)."
NOT_VALID = "Forespørgslen har ikke det forventede indhold."


def function_timeout_text(seconds: float, started: bool) -> str:
    if started:
        return (f"{CELL_ERROR}beregningen tog for lang tid (over {_seconds(seconds)}) og blev "
                f"stoppet; brug mindre områder, eller beregn med xl-underskud.")
    return f"{CELL_ERROR}serveren var optaget i over {_seconds(seconds)}; prøv igen om lidt."


def script_timeout_text(seconds: float, started: bool) -> str:
    if started:
        return (f"Beregningen tog for lang tid (over {_seconds(seconds)}) og blev stoppet. Meget "
                f"store projektmapper beregnes med kommandoen xl-underskud beregn.")
    return f"Serveren var optaget i over {_seconds(seconds)}. Prøv igen om lidt."


LOST_TEXT = "Beregningen stoppede uventet på serveren. Prøv igen; sker det igen, så kontakt IT."


# --------------------------------------------------------------------------------------------
# The body limit, for every route (an ASGI wrapper around the whole app)
# --------------------------------------------------------------------------------------------

class BodyLimit:
    """Refuse a request body over the limit with 413, reading no more than the limit.

    The body is read here, before the app sees the request, and handed on in one piece (the
    app would read it whole anyway). Raising from inside the app's receive would not do: a
    middleware of xlwings Server turns such an exception into a 500.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        lim = limits()
        refusal = JSONResponse({"detail": too_large(lim)}, status_code=413,
                               headers={"Connection": "close"})
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > lim.max_body_bytes:
            return await refusal(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > lim.max_body_bytes:
                return await refusal(scope, receive, send)
            if not message.get("more_body", False):
                break
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        chunks.clear()
        handed = False

        async def replay():
            nonlocal handed
            if handed:
                return await receive()
            handed = True
            return whole

        await self.app(scope, replay, send)


# --------------------------------------------------------------------------------------------
# The two routes
# --------------------------------------------------------------------------------------------

def _require_json(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise HTTPException(415, NOT_JSON)


def _cell(text: str) -> JSONResponse:
    return JSONResponse({"result": [[text]]})


_LABEL = {workers.FUNCTION: "Funktionen", workers.SCRIPT: "Knappen"}


async def _run(kind: str, name: str | None, request: Request, user, seconds: float,
               size: int) -> Response:
    """Hand the JSON body to a worker of `kind`; CallTimeout and WorkerLost are left to the
    route, which answers them in its own way."""
    _require_json(request)
    body = await request.body()
    t0 = time.perf_counter()
    try:
        reply = await workers.pool(kind, size).call(name, body, user, seconds)
    except CallTimeout:
        logger.warning("%s %r for %r stoppet efter %s", _LABEL[kind], name or "", user.name,
                       _seconds(seconds))
        raise
    logger.info("%s %r for %r: HTTP %s på %.0f ms", _LABEL[kind], reply.name, user.name,
                reply.status, (time.perf_counter() - t0) * 1e3)
    return Response(reply.body, status_code=reply.status, media_type="application/json")


async def custom_functions_call(request: Request, current_user: dep.User) -> Response:
    lim = limits()
    try:
        return await _run(workers.FUNCTION, None, request, current_user, lim.function_seconds,
                          lim.function_workers)
    except CallTimeout as exc:
        return _cell(function_timeout_text(lim.function_seconds, exc.started))
    except WorkerLost:
        return _cell(CELL_ERROR + LOST_TEXT[0].lower() + LOST_TEXT[1:])


def _script_names() -> set[str]:
    from xl_underskud.excel import scripts

    return {n for n in scripts.__all__ if hasattr(getattr(scripts, n), "__xlscript__")}


async def custom_scripts_call(script_name: str, request: Request,
                              current_user: dep.User) -> Response:
    if script_name not in _script_names():
        raise HTTPException(404, "Knappen findes ikke på serveren.")
    lim = limits()
    try:
        return await _run(workers.SCRIPT, script_name, request, current_user, lim.script_seconds,
                          lim.script_workers)
    except CallTimeout as exc:
        raise HTTPException(504 if exc.started else 503,
                            script_timeout_text(lim.script_seconds, exc.started)) from None
    except WorkerLost:
        raise HTTPException(500, LOST_TEXT) from None


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's default answer repeats the request's content ("input"); ours does not."""
    return JSONResponse({"detail": NOT_VALID}, status_code=422)


def install(fastapi_app, app_path: str = "") -> None:
    """Put our routes before xlwings Server's two call routes (once per app).

    The router takes the first route that matches, so xlwings Server's own routes stay in
    place but are never reached for POST. (How FastAPI keeps an included router differs
    between versions; the app's own list of routes is the same in all of them.)
    """
    if getattr(fastapi_app.state, "xl_underskud_guarded", False):
        return
    ours = [(f"{app_path}/xlwings/custom-functions-call", custom_functions_call),
            (f"{app_path}/xlwings/custom-scripts-call/{{script_name}}", custom_scripts_call)]
    for path, endpoint in reversed(ours):
        fastapi_app.add_api_route(path, endpoint, methods=["POST"])
        fastapi_app.router.routes.insert(0, fastapi_app.router.routes.pop())
    fastapi_app.add_exception_handler(RequestValidationError, validation_error)
    fastapi_app.middleware_stack = None  # rebuilt with the handler at the next request
    fastapi_app.state.xl_underskud_guarded = True


def warm_up() -> None:
    """Start the worker processes before the first user waits for them."""
    lim = limits()
    workers.pool(workers.FUNCTION, lim.function_workers).warm_up()
    workers.pool(workers.SCRIPT, lim.script_workers).warm_up()


__all__ = ["BodyLimit", "Limits", "SettingError", "install", "limits", "warm_up"]
