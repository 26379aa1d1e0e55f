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
from ..checks.probe_ids import NO_RELU, SCORES_PROBES
from ..checks.probe_inputs import no_relu_scores
from ..checks.stand_in_loss import reference_scores
from ..errors import ReleaseError
from ..paths import (ASSIGNMENT_DIR, COURSE_SOURCE_DIR, NOTEBOOK_FILE, PACKAGE_DIR, REPO_DIR,
                    SOLUTIONS_DIR, STUDENT_FILE, STUDENT_MARKER, STUDENT_PACKAGE_MARKER,
                    SUPPORT_FILES, RUNTIME_REQUIREMENTS_FILE, runtime_requirements)
from ..platforms import github_actions
from .. import stored_outputs
from ..public_copy import copy_package_files, copy_pyproject_text
from ..sandbox import ProbeResult

SOLUTION_REGION = re.compile(r'^([ \t]*)### BEGIN SOLUTION[ \t]*\n.*?^[ \t]*### END SOLUTION[ \t]*\n?',
                             re.MULTILINE | re.DOTALL)
HIDDEN_TESTS = re.compile(r'^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS'
                          r'[ \t]*\n?', re.MULTILINE | re.DOTALL)
ANSWER_PLACEHOLDER = 'YOUR ANSWER HERE'
EXPECTED_REL = os.path.relpath(stored_outputs.EXPECTED_FILE, REPO_DIR)
# The course's configuration (its dataset), beside data_utils.py wherever that goes, so the
# notebook and every grading route read the same choice (data_utils.course_dataset).
COURSE_CONFIG = 'course.json'


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
    """Stored reference outputs of the visible checks (see stored_outputs.py), with the
    reference's scores a copy serves to predict (checks/stand_in_loss.py), the scores
    without the ReLU the scores judge compares with, and the inputs of those probes."""
    from ..grading import Grader
    with Grader(dataset='none', visible_only=True, weaker_layers=True) as grader:
        with open(grader.reference_file, 'rb') as handle:
            results = dict(grader.reference, **reference_scores(grader.reference_class,
                                                                 grader.probes))
            results.update((probe['id'] + NO_RELU, ProbeResult.success({
                'scores': no_relu_scores(probe['arrays'])}))
                for probe in grader.probes if probe['id'] in SCORES_PROBES)
            return stored_outputs.encode(grader.seed, results, handle.read(), grader.probes)


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
        for name in SUPPORT_FILES + (COURSE_CONFIG,):
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


# The grader's run-time pins (paths.runtime_requirements, which hold those of
# what student code may import: student_imports.py) plus the notebook's.
STUDENT_NOTEBOOK_REQUIREMENTS = ('jupyter>=1.0', 'ipykernel>=6.25')


def student_requirements():
    """requirements.txt of the student repository."""
    return '\n'.join(runtime_requirements() + list(STUDENT_NOTEBOOK_REQUIREMENTS) + ['-e .']) + '\n'
STUDENT_GITIGNORE = """# The virtual environment of the README's set-up.
.venv/
# Datasets are downloaded, never committed.
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

## Set up (once)

Make a virtual environment in this folder and install into it (a plain
`pip install` meets "externally-managed-environment" on Debian 12, Ubuntu 23.04 and later
and Homebrew's Python):

| system | commands |
|---|---|
| Linux, macOS | `python3 -m venv .venv` then `source .venv/bin/activate` |
| Windows (PowerShell) | `py -m venv .venv` then `.venv\\Scripts\\Activate.ps1` |
| Windows (cmd) | `py -m venv .venv` then `.venv\\Scripts\\activate.bat` |

(Debian and Ubuntu need `sudo apt-get install python3-venv` first.) Then, with the
environment active (your prompt starts with `(.venv)`):

```bash
pip install -r requirements.txt
cd assignment && jupyter notebook two_layer_net.ipynb
```

Activate the environment again in every new terminal before `jupyter` or `python -m
autograder check`.

Write your code in `assignment/neural_net.py`, only between the START and END marker
lines. Each part can be checked as soon as it is written: the notebook's cells and
`python -m autograder check --only loss` (or `init`, `scores`, `grads`, `train`, `predict`;
repeat `--only` for several) check one part at a time, and a part still a TODO says so by
name ("backward pass not written yet").

## How long it takes

Measured on a busy 2-core machine with Fashion-MNIST: the notebook's default training
(1000 iterations) takes 5 s with one BLAS thread, and 77 s with numpy's default threads
fighting over the cores (1.4 s on an idle machine); each run of the tuning cell's grid
(3000 iterations, 100 or 200 hidden units) takes 37-48 s with one thread, so the example
grid of 8 runs takes about 6 minutes (about 40 s on an idle fast machine, up to 11 minutes
with oversubscribed threads). `TLN_QUICK=1` shortens every training run for a first pass.

On a laptop or a shared machine with few cores, one BLAS thread is usually faster: start
Jupyter with

```bash
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 jupyter notebook two_layer_net.ipynb
```

(Windows PowerShell: `$env:OPENBLAS_NUM_THREADS=1; $env:OMP_NUM_THREADS=1` before
`jupyter notebook`; cmd: `set OPENBLAS_NUM_THREADS=1`). On an idle machine with many cores
the default threads can be as fast; try both on the default training cell.

## What to submit

Your course uses one of these routes; it says which.

{repository_route}- **Gradescope**: upload `neural_net.py` (the notebook is not graded there).
- **nbgrader (JupyterHub)**: submit the assignment folder with `two_layer_net.ipynb` and
  `neural_net.py`. nbgrader runs the notebook again from the start (its saved outputs are
  not graded), so the whole notebook, tuning cell included, must run without an error within
  the course's time limit; your `best_hyperparameters` and your answers to the inline
  questions are graded on this route only.

## Self-check

Before submitting, run in this folder (or in `assignment/`):

```bash
python -m autograder check
```

It grades your `neural_net.py` on the visible checks (against reference outputs stored in
`autograder/release/expected_visible.json`), prints what to fix, and exits non-zero while
anything fails. More checks (numerical stability, SGD details, inputs left unchanged, validation
accuracy) run when you are graded. This copy of the grader offers only `check`. {push_checks}

## Datasets

Your course names its dataset in `assignment/course.json`; the notebook and the grader use
that one. If it says `auto`, both take CIFAR-10 when it is installed, else Fashion-MNIST.
Datasets are never committed (`.gitignore`).

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

Under `auto` with both installed, choose Fashion-MNIST for the notebook with
`TLN_DATASET=fashion_mnist jupyter notebook two_layer_net.ipynb` on Linux and macOS; on
Windows `set TLN_DATASET=fashion_mnist` (cmd) or `$env:TLN_DATASET="fashion_mnist"`
(PowerShell) before `jupyter notebook`. Files somewhere else: set `CIFAR10_DIR` or
`FASHION_MNIST_DIR` to their folder.
"""


# Where the student repositories live: plain GitHub (the kit's self-check workflow) or a
# Classroom 50 template (Classroom 50 adds its own .github/workflows/autograde.yaml when a
# student accepts; its grading runs the bundle of `python -m autograder classroom50 build`).
PLATFORMS = ('github', 'classroom50')

# The student README's lines that depend on where the repositories live (PLATFORMS).
REPOSITORY_ROUTES = {
    'github': ("""- **GitHub (this repository)**: commit and push `assignment/neural_net.py`. Your
  instructor grades the `neural_net.py` of your last push, on every check. Every push also
  runs the visible checks here (the Actions tab). Committing the executed notebook is not
  needed: no grade reads its saved outputs.
""", 'Every push\nalso runs the visible checks on GitHub.'),
    'classroom50': ("""- **Classroom 50 (this repository)**: commit and push `assignment/neural_net.py`, then
  submit it as your course's Classroom 50 page says: each submission is a `submit/...` tag
  of your repository, and Classroom 50 runs the visible checks on it and shows their result.
  Your instructor grades the `neural_net.py` of your latest submission (or of your last push
  if you never submitted) on every check. Committing the executed notebook is not needed: no
  grade reads its saved outputs.
""", 'Classroom\n50 runs the visible checks on each submission.'),
}


def student_readme(platform):
    """The student README for repositories on platform."""
    route, push_checks = REPOSITORY_ROUTES[platform]
    return STUDENT_README.replace('{repository_route}', route).replace(
        '{push_checks}', push_checks)
# Workflows an export has written (the GitHub Classroom one before 2026-08-28).
EXPORTED_WORKFLOWS = (github_actions.WORKFLOW_PATH, '.github/workflows/classroom.yml')


def student_repo_files(platform='github'):
    """What a student repository holds: dict of relative path -> text.

    The assignment, the part of the grader package `check` needs (public_copy.py: no
    hidden checks, no instructor verbs), the stored outputs for the self-check, a student README and requirements, and for ``github`` the
    self-check workflow (``classroom50``: no workflow, Classroom 50 writes its own).
    No file of solutions/ is included.
    """
    if platform not in PLATFORMS:
        raise ReleaseError('unknown platform %r; choose one of %s.'
                           % (platform, ', '.join(PLATFORMS)))
    files = {rel: text for rel, text in generated_files().items()
             if rel.startswith('assignment' + os.sep) or rel == EXPECTED_REL}
    package = os.path.relpath(PACKAGE_DIR, REPO_DIR)
    package_files = copy_package_files()        # what `check` needs (copy_files.py)
    for rel, text in package_files.items():
        if os.path.join(package, *rel.split('/')) != EXPECTED_REL:
            files[os.path.join(package, *rel.split('/'))] = text
    files['pyproject.toml'] = copy_pyproject_text(
        _read(os.path.join(REPO_DIR, 'pyproject.toml')), package_files)
    files[os.path.relpath(RUNTIME_REQUIREMENTS_FILE, REPO_DIR)] = _read(RUNTIME_REQUIREMENTS_FILE)
    if platform == 'github':
        files[os.path.join(*github_actions.WORKFLOW_PATH.split('/'))] = \
            github_actions.student_workflow()
    files['requirements.txt'] = student_requirements()
    files['README.md'] = student_readme(platform)
    files['.gitignore'] = STUDENT_GITIGNORE
    files[STUDENT_MARKER] = 'Written by `python -m autograder release --student-repo`.\n'
    files[os.path.join('autograder', STUDENT_PACKAGE_MARKER)] = (
        '"""This package is a student copy of the grader: it offers the self-check only."""\n')
    return files


def export_student_repo(dest, platform='github'):
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
    files = student_repo_files(platform)
    for rel in EXPORTED_WORKFLOWS:          # an earlier export's workflow for another platform
        path = os.path.join(dest, *rel.split('/'))
        if os.path.join(*rel.split('/')) not in files and os.path.isfile(path):
            os.remove(path)
    for rel, text in sorted(files.items()):
        path = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        written.append(rel)
    return written
