"""Where the parts of the kit live.

The kit is the instructor's checkout of this repository: solutions/ (the
reference, the data loaders, the mutation catalog), assignment/ and the
nbgrader course in autograder/course/. The constants below are the checkout
around this package (an editable install, tests, bench/). What the grading
verbs read comes from the kit in use, ``kit_dir()``: ``--kit DIR``, else
``$TLN_KIT``, else that same checkout; an installed wheel holds the engine
only, so there ``require_kit`` says to pass ``--kit``.
"""
import importlib.util
import os
import sys

from .errors import KitMissing

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(PACKAGE_DIR)
SOLUTIONS_DIR = os.path.join(REPO_DIR, 'solutions')
ASSIGNMENT_DIR = os.path.join(REPO_DIR, 'assignment')
COURSE_DIR = os.path.join(PACKAGE_DIR, 'course')
ASSIGNMENT_ID = 'two_layer_net'
COURSE_SOURCE_DIR = os.path.join(COURSE_DIR, 'source', ASSIGNMENT_ID)

STUDENT_FILE = 'neural_net.py'
NOTEBOOK_FILE = 'two_layer_net.ipynb'
# Support modules students get unchanged, next to their stub and notebook.
SUPPORT_FILES = ('data_utils.py', 'cifar10_download.py', 'fashion_mnist_download.py',
                 'gradient_check.py', 'vis_utils.py')


def package_source_files():
    """Paths of the grader package's .py files, sorted; no nbgrader course, no caches."""
    found = []
    for root, dirs, names in os.walk(PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d not in ('course', '__pycache__'))
        found.extend(os.path.join(root, name) for name in sorted(names)
                     if name.endswith('.py'))
    return found


KIT_ENV = 'TLN_KIT'
# What each file of the kit is, for the message that says it is missing.
KIT_PARTS = {
    'solutions/neural_net.py': 'the reference solution',
    'solutions/data_utils.py': 'the data loaders',
    'solutions/mutants.py': 'the mutation catalog',
    'solutions/cifar10_download.py': 'the CIFAR-10 downloader',
    'assignment/neural_net.py': 'the student stub',
}
# What grading needs of the kit; a verb may need more (demo: the stub and the mutants).
GRADING_PARTS = ('solutions/neural_net.py', 'solutions/data_utils.py')
_kit_option = None   # the --kit folder of this command (cli.main sets it)


def use_kit(folder):
    """Take the kit from folder (the --kit option); None: $TLN_KIT or the checkout."""
    global _kit_option
    _kit_option = None if folder is None else os.path.abspath(folder)


def _kit_choice():
    """(folder, how it was chosen: '--kit', 'TLN_KIT' or None for the checkout)."""
    if _kit_option is not None:
        return _kit_option, '--kit'
    if os.environ.get(KIT_ENV):
        return os.path.abspath(os.environ[KIT_ENV]), KIT_ENV
    return REPO_DIR, None


def kit_dir():
    """The folder of the kit in use (see the module's docstring)."""
    return _kit_choice()[0]


def kit_path(*parts):
    """A path inside the kit in use, e.g. kit_path('solutions', 'neural_net.py')."""
    return os.path.join(kit_dir(), *parts)


def reference_path():
    """The reference solution of the kit in use (it may be missing: a student copy, a wheel)."""
    return kit_path('solutions', STUDENT_FILE)


def private_dirs():
    """Folders of the kit student code may never read: solutions and the nbgrader course."""
    return sorted({SOLUTIONS_DIR, COURSE_DIR, kit_path('solutions'),
                   kit_path('autograder', 'course')})


def in_checkout():
    """True when this package sits in the instructor's checkout (solutions/ next to it)."""
    return os.path.isfile(os.path.join(SOLUTIONS_DIR, STUDENT_FILE))


def require_kit(verb, parts=GRADING_PARTS):
    """The kit's folder when it holds parts (paths relative to it); else raise KitMissing.

    verb: what needs them, for the message (e.g. 'grade'). The message names the
    folder, what is missing, and (where no kit was chosen) says to pass --kit.
    """
    folder, chosen = _kit_choice()
    kit = ("the instructor's kit, the checkout of this repository that holds solutions/ and "
           "autograder/course/")
    label = ('--kit %s' if chosen == '--kit' else KIT_ENV + '=%s') % folder
    if chosen and not os.path.isdir(folder):
        raise KitMissing('%s: no such folder; give %s.' % (label, kit))
    missing = [rel for rel in parts if not os.path.exists(os.path.join(folder, *rel.split('/')))]
    if not missing:
        return folder
    what = _described(missing)
    if chosen:
        raise KitMissing('%s has no %s: give %s.' % (label, what, kit))
    if not os.path.isdir(os.path.join(REPO_DIR, 'solutions')):
        raise KitMissing('`%s` needs %s of %s; this installation of the grader (%s) is not '
                         'inside a kit: pass --kit DIR with the kit\'s folder (or set %s=DIR).'
                         % (verb, what, kit, PACKAGE_DIR, KIT_ENV))
    raise KitMissing('`%s` needs %s, which the kit %s around this grader does not have: pass '
                     '--kit DIR with a complete kit.' % (verb, what, folder))


def _described(parts):
    """'a (what a is), b (what b is) and c (...)' for kit-relative paths."""
    named = ['%s (%s)' % (rel, KIT_PARTS[rel]) if rel in KIT_PARTS else rel for rel in parts]
    return ' and '.join(filter(None, (', '.join(named[:-1]), named[-1])))


def load_module(path, name):
    """The module of the Python file path, imported under name (once per path).

    For the kit's own modules that are not part of the package (the data loaders, the
    mutation catalog): registered in sys.modules, so dataclasses and pickling work.
    """
    module = sys.modules.get(name)
    if module is not None and getattr(module, '__file__', None) == path:
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_mutants(verb='demo'):
    """The kit's mutation catalog, solutions/mutants.py (instructor only: not in the wheel)."""
    require_kit(verb, ('solutions/neural_net.py', 'solutions/mutants.py'))
    return load_module(kit_path('solutions', 'mutants.py'), 'tln_mutants')


# A student distribution (release --student-repo) carries this file at its root, and
# this module in its package (installed without --editable, the package travels alone).
STUDENT_MARKER = '.tln-student-repo'
STUDENT_PACKAGE_MARKER = 'student_copy.py'


def is_student_copy():
    """True in a student distribution of the kit (only the self-check works there)."""
    return (os.path.isfile(os.path.join(REPO_DIR, STUDENT_MARKER))
            or os.path.isfile(os.path.join(PACKAGE_DIR, STUDENT_PACKAGE_MARKER)))


RUNTIME_REQUIREMENTS_FILE = os.path.join(PACKAGE_DIR, 'runtime-requirements.txt')


def runtime_requirements():
    """The grader's run-time requirement lines (pins in one place), comments left out."""
    with open(RUNTIME_REQUIREMENTS_FILE, encoding='utf-8') as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith('#')]
