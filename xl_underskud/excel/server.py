"""Shell: run the project's functions and scripts in xlwings Server (the Office add-in channel).

xlwings Server imports `custom_functions`/`custom_scripts` from its project folder and, if
that import fails, silently falls back to its own (empty) modules. `app()` therefore injects
our modules before the server is imported and checks that they are the ones it serves.

xlwings decides at import time whether `@xw.func` registers server functions, so
`configure()` must run before anything in the process imports xlwings.

Licence: xlwings Server and the remote engine are xlwings PRO features under the PolyForm
Noncommercial licence (which permits use by government institutions such as municipalities)
or a commercial licence. The key "noncommercial" is used unless XLWINGS_LICENSE_KEY is set.

The two call routes are ours (guard.py): every call runs in a worker process (workers.py) with
a time budget, behind a request-body limit and a JSON-only rule.
"""
from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

PROJECT_DIR = Path(__file__).resolve().parent / "server_project"
EXPECTED_FUNCTIONS = {"UG_FORDELING", "UG_ANDEL", "UG_TOMME_DOEGN", "UG_GARANTI", "UG_TOMGANG",
                      "UG_DOEGNTAKST", "UG_EKSPONERING", "UG_TAKSTLOFT", "UG_OVERHEAD"}


class ServerSetupError(RuntimeError):
    pass


class ServerUsageError(ServerSetupError):
    """The options given would start an unsafe or impossible server."""


def configure(hostname: str | None = None, app_path: str | None = None) -> None:
    if "xlwings" in sys.modules and os.environ.get("XLWINGS_ON_SERVER") != "true":
        raise ServerSetupError("xlwings blev importeret før serveren blev sat op; start serveren "
                               "med 'xl-underskud server'.")
    os.environ["XLWINGS_ON_SERVER"] = "true"
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    # xlwings tries `from pyodide.ffi import JsNull` for every cell of a range argument; off
    # pyodide that failed import searches the whole path each time (~50 µs a cell). A None
    # entry in sys.modules makes it fail at once (Python's documented import behaviour); it
    # must be the submodule's entry, or each cell still takes the import lock (~10 µs).
    try:
        import pyodide  # noqa: F401
    except ImportError:
        sys.modules.setdefault("pyodide", None)
        sys.modules.setdefault("pyodide.ffi", None)
    os.environ.setdefault("XLWINGS_PROJECT_DIR", str(PROJECT_DIR))
    os.environ.setdefault("XLWINGS_ENABLE_SOCKETIO", "false")
    if hostname:
        os.environ["XLWINGS_HOSTNAME"] = hostname
    if app_path:
        os.environ["XLWINGS_APP_PATH"] = app_path


def app():
    """The xlwings Server ASGI app serving exactly our functions and scripts.

    Also the factory for running it under uvicorn directly:
    `uvicorn --factory xl_underskud.excel.server:app`.
    """
    configure()
    try:
        import xlwings_server  # noqa: F401
    except ImportError as exc:
        raise ServerSetupError("xlwings-server er ikke installeret: python -m pip install "
                               "'xl-underskud[server]'") from exc
    from xl_underskud.excel import functions
    from xl_underskud.excel import scripts

    sys.modules["custom_functions"] = functions
    sys.modules["custom_scripts"] = scripts
    from xlwings_server.main import main_app
    import xlwings_server.routers.xlwings as router

    if router.custom_functions is not functions or router.custom_scripts is not scripts:
        raise ServerSetupError("xlwings Server bruger ikke projektets funktioner.")
    registered = {name.upper() for name in functions.__all__
                  if hasattr(getattr(functions, name), "__xlfunc__")}
    if registered != EXPECTED_FUNCTIONS:
        raise ServerSetupError("Funktionerne er ikke registreret (XLWINGS_ON_SERVER kom for sent).")
    global _APP
    if _APP is None:
        from xlwings_server.config import settings
        from xlwings_server.main import app as fastapi_app

        from xl_underskud.excel import guard

        try:
            guard.limits()
        except guard.SettingError as exc:
            raise ServerSetupError(str(exc)) from exc
        guard.install(fastapi_app, settings.app_path)
        _APP = guard.BodyLimit(main_app)
    return _APP


_APP = None


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure(host: str, tls: bool, plain_allowed: bool, sign_in: bool) -> list[str]:
    """Danish warnings for a server that other machines can reach.

    Without TLS the numbers and whole workbooks cross the network readable and changeable, so
    a host other than loopback without --cert/--key is refused unless plain HTTP is asked for
    explicitly (a reverse proxy with TLS on another machine); it is still warned about.
    """
    if _loopback(host):
        return []
    warnings = []
    if not tls:
        if not plain_allowed:
            raise ServerUsageError(
                f"--host {host} gør serveren synlig for andre maskiner, men uden --cert/--key er "
                f"forbindelsen ukrypteret: tallene og hele projektmapper kan læses og ændres "
                f"undervejs. Brug --cert og --key, eller lyt på 127.0.0.1 bag en omvendt proxy "
                f"med TLS. Står proxyen på en anden maskine, så angiv --uden-tls.")
        warnings.append(f"Advarsel: serveren lytter på {host} uden TLS. Det er kun sikkert bag "
                        f"en omvendt proxy med TLS og log-in.")
    if not sign_in:
        warnings.append(f"Advarsel: serveren lytter på {host} uden log-in "
                        f"(XLWINGS_AUTH_PROVIDERS er ikke sat): alle, der kan nå den, kan bruge "
                        f"funktionerne og knapperne. Se README om log-in med Entra ID.")
    return warnings


def serve(host: str = "127.0.0.1", port: int = 8000, certfile: str | None = None,
          keyfile: str | None = None, plain_allowed: bool = False) -> None:
    import uvicorn

    if bool(certfile) != bool(keyfile):
        raise ServerUsageError("--cert og --key skal gives sammen.")
    exposure(host, bool(certfile), plain_allowed, sign_in=True)  # refuse before starting
    served = app()
    from xlwings_server.config import settings

    from xl_underskud.excel import guard

    for text in exposure(host, bool(certfile), plain_allowed, bool(settings.auth_providers)):
        print(text, file=sys.stderr)

    guard.warm_up()
    uvicorn.run(served, host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile,
                log_level="info")


def manifest(url: str) -> str:
    """The Office add-in manifest for a server reachable at `url` (https://host/path)."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ServerSetupError("Adressen skal være en https-adresse, fx https://excel.kommune.dk")
    app_path = parsed.path.rstrip("/")
    configure(hostname=parsed.netloc, app_path=app_path or None)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about its test client's HTTP library
        from fastapi.testclient import TestClient

    with TestClient(app()) as client:  # the server renders its own manifest template
        response = client.get(f"{app_path}/manifest")
    if response.status_code != 200:
        raise ServerSetupError(f"Manifestet kunne ikke dannes (HTTP {response.status_code}).")
    return response.text
