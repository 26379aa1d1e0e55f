"""docs/architecture.md matches the code: its module table covers every module on disk and
names none that is gone, its list of exceptions is errors.py's, its exit-status table is
errors.EXIT_CODES (the layers are compared in test_layers.py)."""
import inspect
import os
import re

from autograder import errors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARCHITECTURE = os.path.join(REPO, 'docs', 'architecture.md')
NOT_MODULES = ('course', '__pycache__')   # the nbgrader course is data of the kit, not the grader


def section(title):
    with open(ARCHITECTURE, encoding='utf-8') as handle:
        text = handle.read()
    return text.split('\n## %s\n' % title, 1)[1].split('\n## ', 1)[0]


def table_rows(text):
    """The cells of each body row of the Markdown tables in text."""
    rows = []
    for line in text.splitlines():
        if line.startswith('|') and not set(line) <= set('|-: '):
            cells = [cell.strip() for cell in re.split(r'(?<!\\)\|', line.strip())[1:-1]]
            rows.append([cell.replace('\\|', '|') for cell in cells])
    return rows[1:] if rows else rows   # without the header


def module_table():
    """{path in the first column: what the row says}."""
    return {row[0].strip('`'): row[1] for row in table_rows(section('Where each concern lives'))}


def modules_on_disk():
    found = []
    for root, dirs, names in os.walk(os.path.join(REPO, 'autograder')):
        dirs[:] = sorted(d for d in dirs if d not in NOT_MODULES)
        found += [os.path.relpath(os.path.join(root, name), REPO).replace(os.sep, '/')
                  for name in sorted(names) if name.endswith('.py') and name != '__init__.py']
    return found


def undocumented(table, modules):
    """Modules neither a row of their own nor named (as file.py) in their folder's row."""
    missing = []
    for module in modules:
        folders = [path for path in table if path.endswith('/') and module.startswith(path)]
        inside = [module[len(folder):] for folder in folders]
        if module not in table and not any(
                re.search(r'`%s`' % re.escape(part.split('/')[-1]), table[folder])
                for folder, part in zip(folders, inside)):
            missing.append(module)
    return missing


def test_the_module_table_covers_every_module():
    assert undocumented(module_table(), modules_on_disk()) == []


def test_the_module_table_names_only_what_exists():
    gone = [path for path in module_table() if path.startswith('autograder/')
            and not os.path.exists(os.path.join(REPO, path))]
    assert gone == []


def test_a_module_missing_from_the_table_is_found():
    table = {'autograder/grading.py': '', 'autograder/report/': 'the report: `html.py`'}
    modules = ['autograder/grading.py', 'autograder/report/html.py',
               'autograder/report/plots.py', 'autograder/cli.py']
    assert undocumented(table, modules) == ['autograder/report/plots.py', 'autograder/cli.py']


def kit_errors():
    return sorted(name for name, value in vars(errors).items()
                  if inspect.isclass(value) and issubclass(value, errors.KitError))


def test_every_exception_of_errors_py_is_listed():
    listed = sorted(row[0].strip('`') for row in table_rows(section('Errors')))
    assert listed == kit_errors()


def test_the_exit_status_table_is_errors_exit_codes():
    documented = {}
    for verb, code, meaning in table_rows(section('Exit statuses')):
        documented.setdefault(verb.strip('`'), {})[int(code)] = meaning
    assert documented == errors.EXIT_CODES


def statuses_after(path, heading):
    """The status column of the first table after the line that starts with heading."""
    with open(os.path.join(REPO, path), encoding='utf-8') as handle:
        text = handle.read()
    after = text.split('\n' + heading, 1)[1]
    table = after[after.index('\n|'):].split('\n\n', 1)[0]
    return sorted(int(row[0]) for row in table_rows(table))


def test_readme_and_ci_doc_state_the_table():
    assert statuses_after('README.md', 'Exit status of `grade`') == sorted(
        errors.EXIT_CODES['grade'])
    assert statuses_after('docs/ci.md', 'Exit status, for `fetch` and `grade`') == sorted(
        errors.EXIT_CODES['classroom'])
