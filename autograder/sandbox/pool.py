"""Pools of the grader's warm helper processes (zygotes, serving workers), per Sandbox.

A Sandbox (session.py) keeps one Pool of zygotes (zygotes.py) and one of
serving workers (serving.py); Sandbox.close() closes their idle items.
"""
import os
import threading


class WarmStartFailed(Exception):
    """The warm start cannot run this job here; the child is started cold instead."""


class Pool:
    """Idle helper processes of this grader (zygotes, serving workers), started on demand.

    An item has alive() and close(); start() makes a new one or raises
    WarmStartFailed (or OSError), which switches the pool off for the process.
    """

    def __init__(self):
        self._idle = []
        self._lock = threading.Lock()
        self.broken = None    # why the pool is off, once it is

    def acquire(self, start):
        """An idle item, or a new one from start(); None when the warm start is off."""
        if os.environ.get('TLN_WARM_START', '1') == '0':
            return None
        with self._lock:
            if self.broken is not None:
                return None
            while self._idle:
                item = self._idle.pop()
                if item.alive():
                    return item
                item.close()
        try:
            return start()
        except (WarmStartFailed, OSError) as error:
            self.disable(str(error))
            return None

    def has_idle(self):
        with self._lock:
            return bool(self._idle)

    def release(self, item, reusable):
        if reusable and item.alive():
            with self._lock:
                self._idle.append(item)
                return
        item.close()

    def disable(self, reason):
        with self._lock:
            self.broken = reason
        self.close_all()

    def close_all(self):
        with self._lock:
            idle, self._idle = self._idle, []
        for item in idle:
            item.close()
