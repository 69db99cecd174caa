"""Who is sending what: this process as a claim holder, and when another's claim may be taken.

A digest day's claim (bot.core.digest_run) and the scheduler's lease (bot.scheduler.Leader)
both name their holder `host:pid`.
"""

import os
import socket
from datetime import timedelta

from bot.clock import iso, utcnow

# A claim by a process on another host is taken over once older than this.
CLAIM_TTL = timedelta(minutes=10)


def owner() -> str:
    """This process, as the holder of a claim or of the lease: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claimable(holder: str | None, claimed_at: str | None) -> bool:
    """Whether a claim may be taken over: none, ours, its process gone, or (another host) stale."""
    if holder is None or holder == owner():
        return True
    host, _, pid = holder.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True  # crashed or killed: resume its work
        except PermissionError:
            pass  # alive, run by another user
        return False
    return claimed_at is None or claimed_at < iso(utcnow() - CLAIM_TTL)
