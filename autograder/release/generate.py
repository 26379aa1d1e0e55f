"""Generate what students and the nbgrader course get from solutions/.

``solutions/`` is the single source. This module derives:

- ``assignment/``: the student stub ``neural_net.py`` (START/END regions
  replaced by a NotImplementedError), the student notebook (solution regions
  replaced, hidden tests removed, answers blanked, nbgrader metadata dropped)
  and the support modules;
- ``autograder/release/expected_visible.json``: the reference's outputs on the
  visible checks' probes, so a copy without solutions/ can self-check;
- ``autograder/course/source/two_layer_net/``: the nbgrader source
  assignment: the solution notebook as nbgrader source (outputs cleared), the
  student stub (nbgrader copies non-notebook files to students as they are)
  and the support modules.

``python -m autograder release`` writes them; ``--check`` only reports
files that differ from what would be written (the tests use it).
"""
import copy
import json
import os
import re

from ..checks import markers
from ..errors import ReleaseError
from ..paths import (ASSIGNMENT_DIR, COURSE_SOURCE_DIR, NOTEBOOK_FILE, REPO_DIR, SOLUTIONS_DIR,
                    STUDENT_FILE, STUDENT_MARKER, SUPPORT_FILES, package_source_files,
                    RUNTIME_REQUIREMENTS_FILE, runtime_requirements)
from ..platforms.classroom import student_workflow
from . import stored_outputs

SOLUTION_REGION = re.compile(r'^([ \t]*)### BEGIN SOLUTION[ \t]*\n.*?^[ \t]*### END SOLUTION[ \t]*\n?',
                             re.MULTILINE | re.DOTALL)
HIDDEN_TESTS = re.compile(r'^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS'
                          r'[ \t]*\n?', re.MULTILINE | re.DOTALL)
ANSWER_PLACEHOLDER = 'YOUR ANSWER HERE'
EXPECTED_REL = os.path.relpath(stored_outputs.EXPECTED_FILE, REPO_DIR)


def _read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def _source(cell):
    return cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])


def _is_comment_only(text):
    return all(not line.strip() or line.strip().startswith('#') for line in text.splitlines())


def clean_notebook(notebook):
    """Copy of a notebook without outputs and execution counts."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook['cells']:
        if cell['cell_type'] == 'code':
            cell['outputs'] = []
            cell['execution_count'] = None
    return notebook


def student_notebook(notebook):
    """The student version of the solution notebook (a new dict)."""
    notebook = clean_notebook(notebook)
    cells = []
    for cell in notebook['cells']:
        meta = cell.get('metadata', {}).pop('nbgrader', {})
        text = _source(cell)
        if cell['cell_type'] == 'markdown' and meta.get('solution'):
            text = ANSWER_PLACEHOLDER
        elif cell['cell_type'] == 'code':
            text = SOLUTION_REGION.sub(r'\1# YOUR CODE HERE\n\1raise NotImplementedError()\n', text)
            text = HIDDEN_TESTS.sub('', text).rstrip('\n')
            if meta.get('grade') and _is_comment_only(text):
                continue  # a cell that held hidden tests only
        cell['source'] = text
        cells.append(cell)
    notebook['cells'] = cells
    return notebook


def _notebook_text(notebook):
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + '\n'


def expected_outputs_text():
    """Stored reference outputs of the visible checks (see stored_outputs.py)."""
    from ..grading import Grader
    with Grader(dataset='none', visible_only=True, weaker_layers=True) as grader:
        with open(grader.reference_file, 'rb') as handle:
            return stored_outputs.encode(grader.seed, grader.reference, handle.read())


def generated_files():
    """Every generated file: dict of path relative to the repo -> text."""
    solution_code = _read(os.path.join(SOLUTIONS_DIR, STUDENT_FILE))
    stub = markers.blank_regions(solution_code)
    notebook = json.loads(_read(os.path.join(SOLUTIONS_DIR, NOTEBOOK_FILE)))
    files = {}
    for target, notebook_version in ((ASSIGNMENT_DIR, student_notebook(notebook)),
                                     (COURSE_SOURCE_DIR, clean_notebook(notebook))):
        rel = os.path.relpath(target, REPO_DIR)
        files[os.path.join(rel, STUDENT_FILE)] = stub
        files[os.path.join(rel, NOTEBOOK_FILE)] = _notebook_text(notebook_version)
        for name in SUPPORT_FILES:
            files[os.path.join(rel, name)] = _read(os.path.join(SOLUTIONS_DIR, name))
    files[EXPECTED_REL] = expected_outputs_text()
    return files


def _same(rel, committed, generated):
    if rel == EXPECTED_REL:
        return stored_outputs.same(committed, generated)
    return committed == generated


def drifted_files(root=REPO_DIR):
    """Generated files whose content under root differs (or that are missing)."""
    drifted = []
    for rel, text in sorted(generated_files().items()):
        path = os.path.join(root, rel)
        if not os.path.isfile(path) or not _same(rel, _read(path), text):
            drifted.append(rel)
    return drifted


def write_release():
    """Write every generated file; returns the relative paths written."""
    written = []
    for rel, text in sorted(generated_files().items()):
        path = os.path.join(REPO_DIR, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.isfile(path) or not _same(rel, _read(path), text):
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(text)
            written.append(rel)
    return written


# The grader's run-time pins (paths.runtime_requirements) plus the notebook's.
STUDENT_NOTEBOOK_REQUIREMENTS = ('matplotlib>=3.7', 'jupyter>=1.0', 'ipykernel>=6.25')


def student_requirements():
    """requirements.txt of the student repository."""
    return '\n'.join(runtime_requirements() + list(STUDENT_NOTEBOOK_REQUIREMENTS) + ['-e .']) + '\n'
STUDENT_GITIGNORE = """# Datasets are downloaded, never committed.
datasets/
assignment/datasets/
*.tar.gz
*-ubyte.gz
# Python and Jupyter caches, saved models
__pycache__/
*.pyc
*.egg-info/
.ipynb_checkpoints/
*.npy
*.npz
*.pkl
*.pt
*.ckpt
checkpoints/
"""
STUDENT_README = """# Two-layer neural network assignment

```bash
pip install -r requirements.txt
cd assignment && jupyter notebook two_layer_net.ipynb
```

Write your code in `assignment/neural_net.py`, only between the START and END marker
lines; the notebook checks each part as you go.

## Self-check

Before submitting, run in this folder (or in `assignment/`):

```bash
python -m autograder check
```

It grades your `neural_net.py` on the visible checks (against reference outputs stored in
`autograder/release/expected_visible.json`), prints what to fix, and exits non-zero while
anything fails. More checks (numerical stability, SGD details, inputs left unchanged, validation
accuracy) run when you are graded. This copy of the grader offers only `check`. Every push
also runs the visible checks on GitHub (`.github/workflows/classroom.yml`).

## Datasets

The notebook uses CIFAR-10 unless you set `TLN_DATASET=fashion_mnist` before starting
Jupyter. Datasets are never committed (`.gitignore`).

**CIFAR-10** (about 170 MB), any OS (Linux, macOS, Windows): from `assignment/`, run
`python cifar10_download.py`. It downloads the official archive, checks its md5 and unpacks
it to `assignment/datasets/cifar-10-batches-py`. Have the archive already?
`python cifar10_download.py --archive cifar-10-python.tar.gz`.

**Fashion-MNIST** (about 30 MB):

- any OS (Linux, macOS, Windows): from `assignment/`, run `python fashion_mnist_download.py`.
  It downloads the four files from the dataset's official links, checks their published
  md5 checksums and puts them in `assignment/datasets/fashion-mnist`, where the notebook
  finds them. Have the files already? `python fashion_mnist_download.py --source FOLDER`.
- Debian or Ubuntu: `sudo apt-get install dataset-fashion-mnist` installs them in
  `/usr/share/datasets/fashion-mnist`, which the notebook also finds.

Then choose it: `TLN_DATASET=fashion_mnist jupyter notebook two_layer_net.ipynb` on Linux and
macOS; on Windows `set TLN_DATASET=fashion_mnist` (cmd) or `$env:TLN_DATASET="fashion_mnist"`
(PowerShell) before `jupyter notebook`. Files somewhere else: set `CIFAR10_DIR` or
`FASHION_MNIST_DIR` to their folder.
"""


def student_repo_files():
    """What a student repository holds: dict of relative path -> text.

    The assignment, the grader package without the nbgrader course (whose
    source notebook holds the solutions), the stored outputs for the
    self-check, a student README and requirements, and the classroom workflow.
    No file of solutions/ is included.
    """
    files = {rel: text for rel, text in generated_files().items()
             if rel.startswith('assignment' + os.sep) or rel == EXPECTED_REL}
    for path in package_source_files():
        files[os.path.relpath(path, REPO_DIR)] = _read(path)
    files['pyproject.toml'] = _read(os.path.join(REPO_DIR, 'pyproject.toml'))
    files[os.path.relpath(RUNTIME_REQUIREMENTS_FILE, REPO_DIR)] = _read(RUNTIME_REQUIREMENTS_FILE)
    files[os.path.join('.github', 'workflows', 'classroom.yml')] = student_workflow()
    files['requirements.txt'] = student_requirements()
    files['README.md'] = STUDENT_README
    files['.gitignore'] = STUDENT_GITIGNORE
    files[STUDENT_MARKER] = 'Written by `python -m autograder release --student-repo`.\n'
    return files


def export_student_repo(dest):
    """Write the student distribution into dest; returns the paths written.

    dest must be missing, empty, a fresh `git init` (nothing but .git), or an
    earlier student export (it holds the marker file); any other folder is
    refused so no one's work is overwritten. The instructor's own kit is
    refused too.
    """
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise ReleaseError('%s exists and is not a folder.' % dest)
    if os.path.isdir(dest):
        if os.path.realpath(dest) == os.path.realpath(REPO_DIR):
            raise ReleaseError('%s is this kit itself; choose another folder.' % dest)
        content = [name for name in os.listdir(dest) if name != '.git']
        if content and not os.path.isfile(os.path.join(dest, STUDENT_MARKER)):
            raise ReleaseError('%s exists and is not an earlier student export (no %s in it); '
                               'choose an empty folder (a fresh `git init` is fine).'
                               % (dest, STUDENT_MARKER))
    written = []
    for rel, text in sorted(student_repo_files().items()):
        path = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        written.append(rel)
    return written
