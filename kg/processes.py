"""Child processes that do not outlive the process that started them."""

from __future__ import annotations

import ctypes
import multiprocessing.context
import os
import shutil
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def follow_parent(parent: int | None = None) -> None:
    """Called in a helper process: it ends when its parent ends, and leaves Ctrl-C to the parent (which stops it),
    so an interrupted command prints no traceback from its helpers. With `parent`, the pid the parent should have:
    a helper whose parent died before this call ends at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked since the fork (QuietForkProcess)
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphaned_directories(parent: str | Path, prefix: str) -> None:
    """Remove the folders `<prefix><pid>-…` in `parent` whose process has ended (a killed run leaves its own)."""
    for folder in Path(parent).glob(f"{prefix}*"):
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not is_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


class QuietForkProcess(multiprocessing.context.ForkProcess):
    """A forked process that no Ctrl-C reaches before it can ignore it: SIGINT is blocked across the fork, so a
    Ctrl-C to the process group during it waits in the child until `follow_parent` has ignored it (and in the parent
    until the fork is done)."""

    def start(self) -> None:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class QuietForkContext(multiprocessing.context.ForkContext):
    Process = QuietForkProcess


QUIET_FORK = QuietForkContext()
