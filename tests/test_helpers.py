"""The test suite's own helpers: the process check sees this test's processes only."""
import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import own_processes

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                reason='reads /proc')


def wait_until(condition, limit=10):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_own_processes_are_found_through_their_folders_and_ancestors(tmp_path):
    mine, other = tmp_path / 'mine', tmp_path / 'mine1'
    mine.mkdir()
    other.mkdir()
    marker = 'sleep 31%d' % (os.getpid() % 10)
    # The sleeper's own folder and environment name nothing; its parent's environment
    # names this test's folder.
    shell = subprocess.Popen(['sh', '-c', '(cd / && exec env -i %s) & echo $!; wait' % marker],
                             cwd='/', env=dict(os.environ, TEST_FOLDER=str(mine)),
                             stdout=subprocess.PIPE, text=True)
    sleeper = int(shell.stdout.readline())
    try:
        assert wait_until(lambda: own_processes([mine], marker)), 'the sleeper was not found'
        assert own_processes([other], marker) == []        # a sibling folder is not ours
        assert own_processes([mine], 'no such command line') == []
    finally:
        os.kill(sleeper, signal.SIGKILL)
        shell.wait()
        shell.stdout.close()
    assert wait_until(lambda: own_processes([mine], marker) == [])
