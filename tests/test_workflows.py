"""GitHub workflows lint clean and run the commands the README documents."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from autograder.cli import COMMANDS
from autograder.paths import REPO_DIR
from helpers import import_or_skip

# PyYAML comes with the notebook packages of requirements.txt.
yaml = import_or_skip('yaml')

WORKFLOWS = os.path.join(REPO_DIR, '.github', 'workflows')


def read(*parts):
    with open(os.path.join(REPO_DIR, *parts), encoding='utf-8') as handle:
        return handle.read()


def readme_commands():
    """The two commands of the README's first code block."""
    block = re.search(r'```bash\n(.*?)```', read('README.md'), re.DOTALL).group(1)
    lines = [line.split('#')[0].strip() for line in block.strip().splitlines()]
    return lines[0], lines[1]


def workflow_runs():
    """(file, run text) for every step of every workflow."""
    runs = []
    for name in sorted(os.listdir(WORKFLOWS)):
        data = yaml.safe_load(read('.github', 'workflows', name))
        for job in data['jobs'].values():
            for step in job['steps']:
                if 'run' in step:
                    runs.append((name, step['run']))
    return runs


def installed_tool(name):
    """The console script pip installed beside this interpreter (an unactivated venv's
    python runs the suite too), else the one on PATH, else None."""
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return shutil.which(name)


def test_actionlint_passes():
    binary = installed_tool('actionlint')
    if binary is None:
        pytest.fail('actionlint is missing: pip install -r requirements.txt')
    result = subprocess.run([binary, '-no-color'], cwd=REPO_DIR,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_lint_of_the_ci_workflow_passes():
    [command] = [run for name, run in workflow_runs()
                 if name == 'ci.yml' and run.startswith('ruff check')]
    binary = installed_tool('ruff')
    if binary is None:
        pytest.fail('ruff is missing: pip install -r requirements.txt')
    result = subprocess.run([binary] + command.split()[1:], cwd=REPO_DIR, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_starts_with_setup_and_test_commands():
    setup, test = readme_commands()
    assert setup == 'pip install -r requirements.txt && python -m autograder demo'
    assert test == 'python -m pytest'


def test_ci_entry_point_runs_the_readme_test_command():
    script = read('.ci', 'run')
    _, test = readme_commands()
    assert script.rstrip().splitlines()[-1] == test
    assert 'pip install -r requirements.txt' in script
    assert 'apt-get install -y dataset-fashion-mnist' in script


def test_ci_workflow_installs_and_tests_like_the_readme():
    runs = [run for name, run in workflow_runs() if name == 'ci.yml']
    setup, test = readme_commands()
    assert setup.split(' && ')[0] in runs
    assert test in runs


FAST_TIER = 'python -m pytest -m "not slow"'


def test_ci_runs_the_fast_tier_on_every_python_and_the_whole_suite_once():
    """The README's fast-tier command runs on each Python of the matrix; the README's
    test command (both tiers) runs in one job, once."""
    jobs = yaml.safe_load(read('.github', 'workflows', 'ci.yml'))['jobs']

    def runs(job):
        return [step['run'] for step in job['steps'] if 'run' in step]
    _, test = readme_commands()
    [fast] = [job for job in jobs.values() if FAST_TIER in runs(job)]
    pythons = fast['strategy']['matrix']['python-version']
    assert len(pythons) >= 3 and all(p.startswith('3.') for p in pythons)
    [whole] = [job for job in jobs.values() if test in runs(job)]
    assert 'strategy' not in whole
    assert FAST_TIER in read('README.md')
    with open(os.path.join(REPO_DIR, 'pyproject.toml'), encoding='utf-8') as handle:
        assert '"slow: ' in handle.read()


def test_workflows_use_documented_grader_commands():
    readme = read('README.md')
    used = set()
    for _, run in workflow_runs():
        for verb, rest in re.findall(r'python -m autograder (\w+)([^\n|>]*)', run):
            assert verb in COMMANDS, verb
            used.add(verb)
            for option in re.findall(r'(--[a-z-]+)', rest):
                assert option in readme or option in read('docs', 'ci.md'), option
    assert {'grade', 'gradescope', 'release', 'classroom'} <= used
    for verb in used:
        assert 'python -m autograder %s' % verb in readme, verb


def test_scripts_the_workflows_call_exist():
    for _, run in workflow_runs():
        for path in re.findall(r'python ((?:bench|assignment)/[\w/]+\.py)', run):
            assert os.path.isfile(os.path.join(REPO_DIR, path)), path


def release_steps():
    data = yaml.safe_load(read('.github', 'workflows', 'release.yml'))
    [job] = data['jobs'].values()
    return job['steps']


def test_release_workflow_builds_with_the_secret_seed_and_tests_the_zip_it_uploads():
    steps = release_steps()
    runs = [step.get('run', '') for step in steps]
    assert any('apt-get install -y dataset-fashion-mnist' in run for run in runs)
    [build] = [s for s in steps if 'gradescope build' in s.get('run', '')]
    assert build['env']['GRADER_SEED'] == '${{ secrets.GRADER_SEED }}'
    out = re.search(r'--out (\S+)', build['run']).group(1)
    [test] = [s for s in steps if 'pytest' in s.get('run', '')]
    assert test['env']['TLN_GRADESCOPE_ZIP'] == out
    assert 'tests/test_gradescope_zip.py' in test['run']
    # That file's tests grade the zip the variable names (and only those run there).
    assert "ZIP_ENV = 'TLN_GRADESCOPE_ZIP'" in read('tests', 'test_gradescope_zip.py')
    [upload] = [s for s in steps if s.get('uses', '').startswith('actions/upload-artifact')]
    assert upload['with']['path'] == out
    assert steps.index(build) < steps.index(test) < steps.index(upload)


def _copy_of_the_kit(target):
    shutil.copytree(REPO_DIR, str(target), ignore=shutil.ignore_patterns(
        '.git', '__pycache__', '*.zip', 'datasets', '*.egg-info', '.pytest_cache'))


@pytest.mark.slow
def test_release_workflow_steps_run_as_in_ci(tmp_path):
    """The build and test steps of release.yml, run as written with CI=true, in a copy
    of the kit: no secret fails the build, the public seed is refused, and with a
    private seed the very zip the workflow uploads passes the Gradescope tests."""
    kit = tmp_path / 'kit'
    _copy_of_the_kit(kit)
    steps = release_steps()
    [build] = [s for s in steps if 'gradescope build' in s.get('run', '')]
    [test] = [s for s in steps if 'pytest' in s.get('run', '')]
    env = {key: value for key, value in os.environ.items()
           if key not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env['CI'] = 'true'
    # The runner's `python` is the one set up for the job: this interpreter, even when
    # the suite runs from an unactivated venv.
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')

    def step(run, **extra):
        return subprocess.run(['bash', '-e', '-c', run], cwd=str(kit), capture_output=True,
                              text=True, env=dict(env, **extra), timeout=1200)
    no_secret = step(build['run'], GRADER_SEED='')
    assert no_secret.returncode != 0 and 'GRADER_SEED' in no_secret.stdout
    public = step(build['run'], GRADER_SEED='20231')
    assert public.returncode != 0 and 'public default' in public.stderr
    assert not (kit / 'autograder.zip').exists()
    built = step(build['run'], GRADER_SEED='8675309')
    assert built.returncode == 0, built.stderr
    tested = step(test['run'], **test['env'])
    assert tested.returncode == 0, tested.stdout[-3000:]
    assert ' passed' in tested.stdout and 'skipped' not in tested.stdout.splitlines()[-1]
