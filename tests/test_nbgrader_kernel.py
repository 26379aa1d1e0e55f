"""The nbgrader kernel's confinement (platforms/nbgrader_kernel.py), attack by attack.

Each test runs a cell in a real kernel started by SandboxedKernelManager, as
nbgrader's Execute does during autograde, in a notebook folder laid out as
nbgrader's (course/autograded/<student>/<assignment>), and checks what the
cell could reach. The end-to-end attacks through `nbgrader autograde`
(a notebook linking itself to gradebook.db) are in tests/test_nbgrader.py.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

from autograder.paths import COURSE_DIR, PACKAGE_DIR, REPO_DIR
from helpers import import_or_skip

pytestmark = pytest.mark.slow

ASSIGNMENT = 'two_layer_net'


def bwrap_or_skip():
    from autograder.sandbox import isolation
    if not isolation.available('bwrap'):
        assert not os.environ.get('CI'), 'bubblewrap must run in CI'
        pytest.skip('bubblewrap cannot run here')


@pytest.fixture
def notebook_folder(tmp_path):
    import_or_skip('nbgrader')
    bwrap_or_skip()
    folder = tmp_path / 'course' / 'autograded' / 'ann' / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / 'two_layer_net.ipynb').write_text('{}')
    (folder / 'neural_net.py').write_text('x = 1\n')
    (tmp_path / 'course' / 'gradebook.db').write_text('the gradebook')
    return folder


@pytest.fixture
def runtime_folder(monkeypatch):
    """A Jupyter runtime folder in the home folder, as a server of the grading user has
    (outside /tmp: a private /tmp alone must not be what hides it)."""
    folder = tempfile.mkdtemp(prefix='tln-runtime-', dir=os.path.expanduser('~'))
    monkeypatch.setenv('JUPYTER_RUNTIME_DIR', folder)
    yield folder
    shutil.rmtree(folder)


def run_cell(folder, code, timeout=120):
    """The text a one-cell notebook printed, run in the sandboxed kernel in folder."""
    import nbformat
    from nbclient import NotebookClient

    from autograder.platforms.nbgrader_kernel import SandboxedKernelManager
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, kernel_name='python3', timeout=timeout, allow_errors=True,
                   kernel_manager_class=SandboxedKernelManager,
                   resources={'metadata': {'path': str(folder)}}).execute()
    [cell] = notebook.cells
    text = ''.join(output.get('text', '') for output in cell.outputs)
    errors = [output for output in cell.outputs if output.get('output_type') == 'error']
    assert not errors, errors
    return text


ATTEMPT = '''
import os
def attempt(label, action):
    try:
        action()
        print('%s: done' % label)
    except Exception as error:
        print('%s: blocked (%s)' % (label, type(error).__name__))
'''


def outcomes(text):
    return dict(line.split(': ', 1)[0:2] for line in text.splitlines() if ': ' in line)


def test_the_notebook_folder_is_a_scratch_copy(notebook_folder):
    """A cell that replaces its own notebook with a link to the gradebook and writes files
    changes nothing in the folder nbgrader writes into."""
    text = run_cell(notebook_folder, ATTEMPT + '''
print('copy:', open('neural_net.py').read().strip())
attempt('relink', lambda: (os.remove('two_layer_net.ipynb'),
                           os.symlink('../../../gradebook.db', 'two_layer_net.ipynb')))
attempt('write', lambda: open('left_behind.txt', 'w').write('x'))
''')
    assert 'copy: x = 1' in text
    assert outcomes(text)['relink'] == 'done' and outcomes(text)['write'] == 'done'
    assert sorted(os.listdir(str(notebook_folder))) == ['neural_net.py', 'two_layer_net.ipynb']
    assert not os.path.islink(str(notebook_folder / 'two_layer_net.ipynb'))
    assert (notebook_folder / 'two_layer_net.ipynb').read_text() == '{}'


def test_the_kit_and_the_grading_user_are_out_of_sight(notebook_folder, runtime_folder):
    """Of the kit, only the hidden tests' module and what it imports (read-only); no
    checkout, no .git, no course, no home or Jupyter folders."""
    from jupyter_core.paths import jupyter_data_dir, jupyter_runtime_dir
    targets = {'git': os.path.join(REPO_DIR, '.git'), 'readme': os.path.join(REPO_DIR, 'README.md'),
               'solutions': os.path.join(REPO_DIR, 'solutions'), 'course': COURSE_DIR,
               'home': runtime_folder, 'runtime': jupyter_runtime_dir(),
               'data': jupyter_data_dir(),
               'gradebook': str(notebook_folder.parent.parent.parent / 'gradebook.db')}
    code = ATTEMPT + ''.join('attempt(%r, lambda: os.listdir(%r) if os.path.isdir(%r) else '
                             'open(%r).read(1))\n' % (label, path, path, path)
                             for label, path in targets.items() if os.path.exists(path))
    code += ('import autograder.platforms.nbgrader_cells as hidden\n'
             'print("hidden tests:", hidden.grade_check.__name__)\n'
             'attempt("write kit", lambda: open(%r, "a").close())\n'
             % os.path.join(PACKAGE_DIR, 'platforms', 'nbgrader_cells.py'))
    text = run_cell(notebook_folder, code)
    assert 'hidden tests: grade_check' in text
    found = outcomes(text)
    assert found['write kit'].startswith('blocked'), text
    for label, path in targets.items():
        if os.path.exists(path):
            assert found[label].startswith('blocked'), (label, text)


def test_no_jupyter_server_is_reachable(notebook_folder, runtime_folder):
    """The runtime folder's server file (with its token) cannot be read, and a loopback
    connection to a server of the grading user fails (own network namespace)."""
    server_file = os.path.join(runtime_folder, 'jpserver-4242.json')
    with open(server_file, 'w') as handle:
        json.dump({'token': 'secret-token', 'port': 1}, handle)
    with socket.socket() as server:
        server.bind(('127.0.0.1', 0))
        server.listen(1)
        port = server.getsockname()[1]
        text = run_cell(notebook_folder, ATTEMPT + '''
import socket
attempt('token', lambda: open(%r).read())
attempt('loopback', lambda: socket.create_connection(('127.0.0.1', %d), timeout=5).close())
''' % (server_file, port))
    found = outcomes(text)
    assert found['token'].startswith('blocked') and found['loopback'].startswith('blocked'), text
    assert 'secret-token' not in text


def test_memory_disk_and_processes_are_limited(notebook_folder):
    """5 GB cannot be allocated, the scratch (256 MB) fills without touching the notebook
    folder, no process or namespace can be made; threads still run."""
    text = run_cell(notebook_folder, ATTEMPT + '''
import ctypes, threading
import numpy as np
attempt('allocate 5 GB', lambda: np.empty(5 * 2 ** 30 // 8))
def fill():
    with open('filler.bin', 'wb') as handle:
        for _ in range(64):          # 1 GB at most
            handle.write(b'x' * (16 * 2 ** 20))
attempt('fill the disk', fill)
attempt('fork', lambda: os._exit(0) if os.fork() == 0 else os.wait())
def new_namespace():
    if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:
        raise OSError(ctypes.get_errno(), 'unshare')
attempt('namespace', new_namespace)
ran = []
worker = threading.Thread(target=lambda: ran.append(1))
worker.start(); worker.join()
print('thread ran:', ran == [1])
''', timeout=300)
    found = outcomes(text)
    for label in ('allocate 5 GB', 'fill the disk', 'fork', 'namespace'):
        assert found[label].startswith('blocked'), (label, text)
    assert 'thread ran: True' in text
    assert not (notebook_folder / 'filler.bin').exists()


LINKED_RUN = '''
import sys
sys.path.insert(0, %r)
sys.path.insert(0, %r)
from test_nbgrader_kernel import run_cell
print(run_cell(%r, "print('kernel answered', 6 * 7)"))
'''


def test_an_interpreter_reached_through_a_link_under_tmp_starts_kernels(notebook_folder):
    """nbgrader started through a link under /tmp (a venv linked there): the kernel's
    private /tmp must not take its interpreter away."""
    links = tempfile.mkdtemp(dir='/tmp')
    try:
        link = os.path.join(links, 'venv')
        os.symlink(sys.prefix, link)
        python = os.path.join(link, os.path.relpath(sys.executable, sys.prefix))
        tests = os.path.dirname(os.path.abspath(__file__))
        done = subprocess.run([python, '-c', LINKED_RUN % (REPO_DIR, tests,
                                                           str(notebook_folder))],
                              capture_output=True, text=True, timeout=300, cwd=tests)
    finally:
        os.remove(os.path.join(links, 'venv'))
        os.rmdir(links)
    assert 'kernel answered 42' in done.stdout, done.stdout[-2000:] + done.stderr[-3000:]
