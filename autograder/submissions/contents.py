"""What a submitted folder or zip holds, and why it has nothing to grade."""
from ..errors import SubmissionError
from ..paths import STUDENT_FILE
from ..safe_files import clean_name
from .notebooks import notebook_defines_class, notebook_problem
from .student_file import shortened, shown_parts

# Folders never looked into (a folder or zip member below one is left out).
IGNORED_DIRS = {'__pycache__', '.ipynb_checkpoints', '.git', '__MACOSX'}


class Contents:
    """The entries of one submission that matter, each as a tuple of path parts."""

    def __init__(self):
        self.candidates = []    # entries named neural_net.py (any kind)
        self.notebooks = []     # regular .ipynb files
        self.others = []        # other files
        self.links = []         # symbolic links (not followed)


def missing_problem(display, contents, read_notebook, what='folder'):
    """The reason a folder or zip with no neural_net.py cannot be graded.

    read_notebook(parts) -> a notebook's bytes (SubmissionError if refused).
    """
    if contents.notebooks:
        names = sorted({clean_name(parts[-1]) for parts in contents.notebooks})
        defines = False
        for parts in contents.notebooks:
            try:
                defines = defines or notebook_defines_class(read_notebook(parts))
            except SubmissionError:
                pass
        return notebook_problem(display, names, defines)
    if not contents.others and not contents.links:
        return '%s: this %s is empty. Submit your %s.' % (display, what, STUDENT_FILE)
    message = '%s: no %s in this %s' % (display, STUDENT_FILE, what)
    if contents.others:
        shown = [shown_parts(parts) for parts in contents.others[:5]]
        message += ' (it holds %s%s)' % (', '.join(shortened(name, 80) for name in shown),
                                         ', ...' if len(contents.others) > 5 else '')
    message += '.'
    python_files = [parts[-1] for parts in contents.others if parts[-1].endswith('.py')]
    if python_files:
        message += ' If %s is your code, rename it to %s.' % (clean_name(python_files[0]),
                                                               STUDENT_FILE)
    else:
        message += ' Submit your %s.' % STUDENT_FILE
    if contents.links:
        message += (' Symbolic links are not followed (%s).'
                    % ', '.join(shortened(shown_parts(parts), 80) for parts in contents.links[:5]))
    return message
