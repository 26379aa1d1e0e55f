"""What of the grader package a public copy holds: the student repository and the
Classroom 50 bundle.

Only what `check` needs: the visible checks (their judges, tolerances and the
stand-in loss), the stored visible outputs with their inputs, the sandbox, and the
command line with the `check` verb. Nothing of the hidden checks (their judges,
thresholds, the code that draws the probes' inputs with its forward passes), the
class report, the similarity screening or the instructor's verbs. A list of what
goes in, so a module added later stays out until it is named here;
tests/test_public_copy.py reads the copied modules' imports (lazy ones too) and names
a module they need that the list leaves out, or one of the instructor's it holds.

The copy's ``checks/catalog.py`` is generated from the one catalog: the same file
without the hidden checks' entries and the import of their judges.
"""
import ast
import os
import re

from .errors import ReleaseError
from .paths import PACKAGE_DIR

# Paths relative to the package, '/'-separated.
STUDENT_COPY_MODULES = (
    '__init__.py', '__main__.py', 'cli.py', 'datasets.py', 'errors.py', 'grading.py',
    'paths.py', 'results.py', 'student_imports.py',
    'checks/__init__.py', 'checks/catalog.py', 'checks/evidence.py',
    'checks/hidden_feedback.py', 'checks/judges.py', 'checks/markers.py',
    'checks/probe_ids.py', 'checks/stand_in_loss.py', 'checks/submission_inputs.py',
    'checks/tolerances.py',
    'commands/__init__.py', 'commands/options.py', 'commands/check.py',
    'outputs/__init__.py', 'outputs/output_folder.py', 'outputs/sanitise.py',
    'platforms/__init__.py', 'platforms/github_actions.py',
    'stored_outputs.py', 'release/__init__.py', 'release/expected_visible.json',
    'safe_files.py', 'submissions/__init__.py', 'submissions/class_layout.py',
    'submissions/contents.py', 'submissions/discovery.py', 'submissions/file_choice.py',
    'submissions/folders.py', 'submissions/notebooks.py', 'submissions/source_rule.py',
    'submissions/student_file.py', 'submissions/submission.py', 'submissions/zips.py',
)
# Whole folders: the trust boundary (the sandbox and its child).
STUDENT_COPY_PACKAGES = ('sandbox',)
# What the Classroom 50 bundle adds: the module its autograder.py runs.
CLASSROOM50_MODULES = ('platforms/classroom50.py',)
CATALOG_MODULE = 'checks/catalog.py'
HIDDEN_JUDGES_MODULE = 'hidden_judges'


def _read(rel):
    with open(os.path.join(PACKAGE_DIR, *rel.split('/')), encoding='utf-8') as handle:
        return handle.read()


def _package_files(folder):
    """Relative paths ('/'-separated) of the .py files under the package's folder."""
    found = []
    for root, dirs, names in os.walk(os.path.join(PACKAGE_DIR, folder)):
        dirs[:] = sorted(name for name in dirs if name != '__pycache__')
        found.extend(os.path.relpath(os.path.join(root, name), PACKAGE_DIR).replace(os.sep, '/')
                     for name in sorted(names) if name.endswith('.py'))
    return found


def student_catalog_text(source=None):
    """checks/catalog.py without the hidden checks: their Check(...) entries of CATALOG
    (visible False) and the import of their judges are left out, line by line."""
    source = _read(CATALOG_MODULE) if source is None else source
    lines = source.splitlines(keepends=True)
    dropped = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module == HIDDEN_JUDGES_MODULE:
            dropped.update(range(node.lineno - 1, node.end_lineno))
        targets = getattr(node, 'targets', ())
        if any(getattr(target, 'id', None) == 'CATALOG' for target in targets):
            for entry in node.value.elts:
                visible = next((keyword.value for keyword in entry.keywords
                                if keyword.arg == 'visible'), None)
                if not isinstance(visible, ast.Constant) or not isinstance(visible.value, bool):
                    raise ReleaseError('checks/catalog.py: every CATALOG entry must say '
                                       'visible=True or visible=False (line %d).'
                                       % entry.lineno)
                if not visible.value:
                    dropped.update(range(entry.lineno - 1, entry.end_lineno))
    # A comment right above a dropped import belongs to it.
    for index in sorted(dropped):
        above = index - 1
        while above >= 0 and above not in dropped and lines[above].lstrip().startswith('#'):
            dropped.add(above)
            above -= 1
    text = ''.join(line for index, line in enumerate(lines) if index not in dropped)
    compile(text, CATALOG_MODULE, 'exec')
    return text


def copy_package_files(extra=()):
    """{path relative to the package ('/'-separated): text} of a public copy."""
    names = list(STUDENT_COPY_MODULES) + list(extra)
    for folder in STUDENT_COPY_PACKAGES:
        names.extend(_package_files(folder))
    files = {rel: _read(rel) for rel in names}
    files[CATALOG_MODULE] = student_catalog_text(files[CATALOG_MODULE])
    return files


PACKAGES_SETTING = re.compile(r'^packages = \[[^\]]*\]', re.M)


def copy_packages(files):
    """The dotted names of the packages among a copy's files, sorted."""
    return sorted('autograder' + ('.' + os.path.dirname(rel).replace('/', '.')
                                  if os.path.dirname(rel) else '')
                  for rel in files if os.path.basename(rel) == '__init__.py')


def copy_pyproject_text(text, files):
    """pyproject.toml of a copy: its [tool.setuptools] packages are the copy's own (a
    package the copy leaves out, autograder.report say, would stop pip install)."""
    names = copy_packages(files)
    if len(PACKAGES_SETTING.findall(text)) != 1:
        raise ReleaseError('pyproject.toml: expected one "packages = [...]" setting.')
    lines, line = [], 'packages = ['
    for index, name in enumerate(names):
        item = '"%s"' % name + (', ' if index < len(names) - 1 else ']')
        if len(line) + len(item.rstrip()) > 99:
            lines.append(line.rstrip())
            line = ' ' * 12
        line += item
    lines.append(line)
    return PACKAGES_SETTING.sub(lambda _: '\n'.join(lines), text)
