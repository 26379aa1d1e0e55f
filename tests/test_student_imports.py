"""One list of what student code may import, used by every route's environment.

autograder/student_imports.py names the distributions; the sandbox shows
exactly those (and their dependencies) to the child, and every route's
install list (the package's dependencies, the Gradescope bundle, the student
repository and its CI) carries their pins. A correct file importing
matplotlib or past.builtins gets full marks: tests/test_corpus.py (grade),
tests/test_student_repo.py (the student CI environment) and
tests/test_parity.py (every route).
"""
import importlib.metadata
import json
import re

import yaml

from autograder import grading, student_imports
from autograder.paths import runtime_requirements
from autograder.platforms import github_actions, gradescope
from autograder.release import generate
from autograder.sandbox import isolation


def names(lines):
    return {re.split(r'[\s<>=!~\[(;]', line.strip(), maxsplit=1)[0].lower() for line in lines
            if line.strip() and not line.startswith(('#', '-'))}


def test_the_sandbox_shows_the_listed_distributions():
    assert isolation.IMPORTABLE == student_imports.DISTRIBUTIONS
    assert set(student_imports.DISTRIBUTIONS) == {'numpy', 'matplotlib', 'future'}
    shown = ' '.join(isolation.importable_entries())
    for name in ('numpy', 'matplotlib', 'past'):
        assert '/%s' % name in shown, name


def test_the_quick_scan_of_installed_files_reads_what_importlib_reads():
    """importable_entries reads RECORD and METADATA itself (importlib's parsing cost 0.1 s
    at every start): for every installed distribution, the same top-level names and the
    same requirements as importlib.metadata gives."""
    for dist in importlib.metadata.distributions():
        name = dist.metadata['Name']
        assert isolation._top_level_names(dist) == {
            file.parts[0] for file in dist.files or () if file.parts}, name
        assert list(isolation._requirements(dist)) == list(dist.requires or ()), name


def test_every_install_list_carries_them():
    wanted = set(student_imports.DISTRIBUTIONS)
    pins = student_imports.requirement_lines()
    assert names(pins) == wanted and set(pins) <= set(runtime_requirements())
    [bundle] = re.findall(r'^dependencies = (\[.*\])$', gradescope.bundle_pyproject(), re.M)
    assert wanted <= names(json.loads(bundle))
    assert wanted <= names(generate.student_requirements().splitlines())
    steps = [step.get('run', '') for job in
             yaml.safe_load(github_actions.student_workflow())['jobs'].values()
             for step in job['steps']]
    [install] = [run for run in steps if 'pip install' in run]
    assert '-r autograder/runtime-requirements.txt' in install


def test_the_missing_import_reason_names_them():
    reason = grading.IMPORT_REASONS['missing_import']
    for name in ('numpy', 'matplotlib', 'future', 'past.builtins', 'standard library'):
        assert name in reason


def test_the_image_build_check_names_what_is_missing(monkeypatch, capsys):
    assert student_imports.main() == 0
    monkeypatch.setattr(student_imports, 'DISTRIBUTIONS',
                        student_imports.DISTRIBUTIONS + ('no-such-distribution-tln',))
    assert student_imports.main() == 2
    assert 'no-such-distribution-tln' in capsys.readouterr().err
