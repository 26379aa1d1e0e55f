"""Where the parts of the kit live, relative to this package."""
import os

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


def package_source_files(exclude=()):
    """Paths of the grader package's .py files, sorted; no nbgrader course, no caches.

    exclude: file names to leave out.
    """
    found = []
    for root, dirs, names in os.walk(PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d not in ('course', '__pycache__'))
        found.extend(os.path.join(root, name) for name in sorted(names)
                     if name.endswith('.py') and name not in exclude)
    return found


# A student distribution (release --student-repo) carries this file at its root.
STUDENT_MARKER = '.tln-student-repo'


def is_student_copy():
    """True in a student distribution of the kit (only the self-check works there)."""
    return os.path.isfile(os.path.join(REPO_DIR, STUDENT_MARKER))


RUNTIME_REQUIREMENTS_FILE = os.path.join(PACKAGE_DIR, 'runtime-requirements.txt')


def runtime_requirements():
    """The grader's run-time requirement lines (pins in one place), comments left out."""
    with open(RUNTIME_REQUIREMENTS_FILE, encoding='utf-8') as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith('#')]
