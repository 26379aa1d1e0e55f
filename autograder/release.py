"""Generate what students and the nbgrader course get from solutions/.

``solutions/`` is the single source. This module derives:

- ``assignment/``: the student stub ``neural_net.py`` (START/END regions
  replaced by a NotImplementedError), the student notebook (solution regions
  replaced, hidden tests removed, answers blanked, nbgrader metadata dropped)
  and the support modules;
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

from . import markers
from .paths import (ASSIGNMENT_DIR, COURSE_SOURCE_DIR, NOTEBOOK_FILE, REPO_DIR, SOLUTIONS_DIR,
                    STUDENT_FILE, SUPPORT_FILES)

SOLUTION_REGION = re.compile(r'^([ \t]*)### BEGIN SOLUTION[ \t]*\n.*?^[ \t]*### END SOLUTION[ \t]*\n?',
                             re.MULTILINE | re.DOTALL)
HIDDEN_TESTS = re.compile(r'^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS'
                          r'[ \t]*\n?', re.MULTILINE | re.DOTALL)
ANSWER_PLACEHOLDER = 'YOUR ANSWER HERE'


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
    return files


def drifted_files(root=REPO_DIR):
    """Generated files whose content under root differs (or that are missing)."""
    drifted = []
    for rel, text in sorted(generated_files().items()):
        path = os.path.join(root, rel)
        if not os.path.isfile(path) or _read(path) != text:
            drifted.append(rel)
    return drifted


def write_release():
    """Write every generated file; returns the relative paths written."""
    written = []
    for rel, text in sorted(generated_files().items()):
        path = os.path.join(REPO_DIR, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.isfile(path) or _read(path) != text:
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(text)
            written.append(rel)
    return written
