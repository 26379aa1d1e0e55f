"""What a public copy holds (autograder/public_copy.py), read from the imports: fast.

The student repository and the Classroom 50 bundle hold the modules
STUDENT_COPY_MODULES names (and the bundle CLASSROOM50_MODULES). The import graph
of tests/test_layers.py (every import statement, lazy ones included), read from the
copy's files as the release writes them (its catalog without the hidden checks), shows
- every module a copied module imports is copied too, but for the lazy imports on
  paths a copy never takes (INSTRUCTOR_ONLY_IMPORTS, each with its reason);
- no module that is the instructor's alone is copied.
A missing module used to show only in the slow tests that run `check` from an export.
"""
import ast
import os

import pytest

from autograder import cli, public_copy
from test_layers import PACKAGE, PACKAGE_DIR, import_graph, modules_of, short, unit_of

# Imports of a copied module that reach a module a copy leaves out: each inside a function
# that runs only where the reference solution is (a copy has none), with the reason.
INSTRUCTOR_ONLY_IMPORTS = {
    ('checks.evidence', 'checks.probe_inputs'):
        'no_relu_scores: a copy stores those scores beside its outputs',
    ('grading', 'checks.probe_inputs'):
        'build_probes: a copy grades the probes stored with its outputs',
    ('grading', 'checks.hidden_judges'):
        'the reference accuracy of val_accuracy, a hidden check',
    ('platforms.classroom50', 'public_copy'):
        'build(): the instructor builds the bundle from the kit',
}
# The instructor's alone: the hidden checks' judges, thresholds and probe maths, the class
# report, the nbgrader grading side, the release, and every verb but the student's.
HIDDEN = ('checks.hidden_judges', 'checks.thresholds', 'checks.probe_inputs', 'report',
          'platforms.nbgrader_cells', 'platforms.nbgrader_autograde', 'platforms.nbgrader_batch',
          'platforms.nbgrader_kernel', 'platforms.kernel_syscalls', 'release.generate') + tuple(
    'commands.' + module for verb, module in cli.VERB_MODULES if verb not in cli.STUDENT_COMMANDS)
COPIES = {'student_repository': (), 'classroom50_bundle': public_copy.CLASSROOM50_MODULES}


def dotted(rel):
    """'checks/judges.py' -> 'checks.judges'; 'checks/__init__.py' -> 'checks'."""
    parts = rel[:-len('.py')].split('/')
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts) or '__init__'


def write_copy(root, files):
    """The copy's files under root/autograder, beside an empty file for each module of the
    kit it leaves out (so an import of one resolves to it); returns that folder."""
    package = root / PACKAGE
    for name, (path, _) in modules_of(PACKAGE_DIR, PACKAGE).items():
        rel = os.path.relpath(path, PACKAGE_DIR).replace(os.sep, '/')
        target = package / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files.get(rel, ''), encoding='utf-8')
    return str(package)


def lazy_lines(text):
    """Line numbers of the import statements inside functions of a module's text."""
    return {node.lineno for function in ast.walk(ast.parse(text))
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))}


def left_out_imports(root, files, allowed):
    """'a -> b (line n)' for each import of a copied module that the copy does not hold,
    but for the allowed lazy ones; and the allowed ones seen (each must be lazy)."""
    graph = import_graph(write_copy(root, files), PACKAGE)
    copied = {dotted(rel) for rel in files if rel.endswith('.py')}
    missing, seen = [], set()
    for rel, text in sorted(files.items()):
        if not rel.endswith('.py'):
            continue
        importer = dotted(rel)
        for target, line in graph[PACKAGE if importer == '__init__' else
                                   PACKAGE + '.' + importer].items():
            arrow = (importer, short(target, PACKAGE))
            if arrow[1] in copied:
                continue
            if arrow in allowed and line in lazy_lines(text):
                seen.add(arrow)
                continue
            missing.append('%s -> %s (line %d)' % (arrow + (line,)))
    return missing, seen


def hidden_modules(files):
    """The instructor's modules among a copy's files."""
    return sorted(rel for rel in files if rel.endswith('.py')
                  and unit_of(dotted(rel), HIDDEN) is not None)


@pytest.mark.parametrize('extra', COPIES.values(), ids=COPIES.keys())
def test_a_public_copy_holds_every_module_its_modules_import(tmp_path, extra):
    files = public_copy.copy_package_files(extra)
    missing, _ = left_out_imports(tmp_path, files, INSTRUCTOR_ONLY_IMPORTS)
    assert missing == []


def test_each_instructor_only_import_is_lazy_and_still_there(tmp_path):
    files = public_copy.copy_package_files(public_copy.CLASSROOM50_MODULES)
    _, seen = left_out_imports(tmp_path, files, INSTRUCTOR_ONLY_IMPORTS)
    assert seen == set(INSTRUCTOR_ONLY_IMPORTS)


@pytest.mark.parametrize('extra', COPIES.values(), ids=COPIES.keys())
def test_a_public_copy_holds_nothing_of_the_instructors(extra):
    files = public_copy.copy_package_files(extra)
    assert hidden_modules(files) == []
    assert all(unit_of(module, HIDDEN) is None for module in
               (dotted(rel) for rel in public_copy.STUDENT_COPY_MODULES if rel.endswith('.py')))


def test_the_rules_name_a_module_left_out_and_one_that_is_hidden(tmp_path, monkeypatch):
    """A list without checks/markers.py (judges.py and hidden_feedback.py import it) and with
    checks/thresholds.py: both are named."""
    modules = tuple(rel for rel in public_copy.STUDENT_COPY_MODULES
                    if rel != 'checks/markers.py') + ('checks/thresholds.py',)
    monkeypatch.setattr(public_copy, 'STUDENT_COPY_MODULES', modules)
    files = public_copy.copy_package_files()
    missing, _ = left_out_imports(tmp_path, files, INSTRUCTOR_ONLY_IMPORTS)
    assert {line.split(' (')[0] for line in missing} >= {
        'checks.judges -> checks.markers', 'checks.hidden_feedback -> checks.markers'}
    assert hidden_modules(files) == ['checks/thresholds.py']
    # An allowed arrow that is not lazy is not excused.
    files['checks/evidence.py'] = 'from .probe_inputs import no_relu_scores\n'
    missing, _ = left_out_imports(tmp_path / 'eager', files, INSTRUCTOR_ONLY_IMPORTS)
    assert 'checks.evidence -> checks.probe_inputs (line 1)' in missing
