"""Write a file completely or not at all: build it beside the target, then rename."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_target(path: str | Path):
    """Yield a temporary path in the target's folder; move it onto `path` on success."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".xl-underskud-", suffix=path.suffix,
                                   dir=str(path.parent) if str(path.parent) else ".")
    except OSError as exc:
        raise _about(exc, path) from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a report is not
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _about(exc, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _about(exc: OSError, path: Path) -> OSError:
    """The same error, about the file the user named rather than our temporary file."""
    return type(exc)(exc.errno, exc.strerror, str(path))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


@contextmanager
def atomic_folder(folder: str | Path):
    """Yield an empty temporary folder; on success move its files into `folder` together.

    `folder` is created if missing (the temporary folder is renamed onto it). Into an existing
    folder the files are moved as one transaction: files of the same name are first set aside,
    and put back if any of them cannot be replaced (say, open in Excel), so a failure leaves
    `folder` as it was. Other files in `folder` are left alone.
    """
    folder = Path(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".xl-underskud-", dir=_existing_ancestor(folder.parent)))
    try:
        yield tmp
        if not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a new folder is not
            try:
                os.rename(tmp, folder)
                return
            except OSError:
                folder.mkdir(exist_ok=True)
        _move_all(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_all(src: Path, folder: Path) -> None:
    files = sorted(p for p in src.iterdir() if p.is_file())
    aside = Path(tempfile.mkdtemp(prefix=".xl-underskud-old-", dir=folder))
    set_aside: list[str] = []
    moved: list[str] = []
    try:
        for f in files:
            if (folder / f.name).exists():
                os.replace(folder / f.name, aside / f.name)
                set_aside.append(f.name)
        for f in files:
            shutil.move(str(f), str(folder / f.name))
            moved.append(f.name)
    except BaseException:
        for name in moved:
            (folder / name).unlink(missing_ok=True)
        for name in set_aside:
            os.replace(aside / name, folder / name)
        aside.rmdir()  # empty again; if not, the old files stay there rather than be lost
        raise
    shutil.rmtree(aside, ignore_errors=True)
