"""The uid-drop layer's users: one per child running at once (isolation.sandbox_users)."""
import threading

from . import isolation


class UserSlots:
    """The uid-drop layer's users (isolation.sandbox_users), one per child running at once.

    A child takes a user no other running child has, and waits for one when all are
    taken: two children of one user could read each other's staged files (a child's
    staging folder is named in its command line, which every process can read) and,
    without Landlock, each other's /proc descriptors and working folders. So with
    fewer users than --jobs, that many submissions run at once (grade says so).
    Every user's children run with the first user's group, through which they read
    the probe inputs.
    """

    def __init__(self):
        self._busy = set()
        self._free = threading.Condition()

    def users(self):
        return isolation.sandbox_users()

    def group(self):
        return self.users()[0][2]

    def acquire(self):
        with self._free:
            while True:
                for user in self.users():
                    if user[1] not in self._busy:
                        self._busy.add(user[1])
                        return user
                self._free.wait()

    def release(self, user):
        with self._free:
            self._busy.discard(user[1])
            self._free.notify()
