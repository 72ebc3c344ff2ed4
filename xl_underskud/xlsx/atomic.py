"""Write a file completely or not at all: build it beside the target, then rename."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_target(path: str | Path):
    """Yield a temporary path in the target's folder; move it onto `path` on success."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".xl-underskud-", suffix=path.suffix,
                               dir=str(path.parent) if str(path.parent) else ".")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
