"""Child processes that cannot outlive the suite, even when it is killed outright.

An interrupted run (Ctrl-C, SIGTERM) still runs its ``finally`` blocks and fixtures' teardown;
a killed one does not. On Linux the kernel can end a child when its parent dies
(``PR_SET_PDEATHSIG``): every server a test starts asks for that.
"""

from __future__ import annotations

import ctypes
import signal
import sys

_PR_SET_PDEATHSIG = 1


def dies_with_parent() -> None:
    """``preexec_fn`` for ``subprocess.Popen``: the child is killed when the suite dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
