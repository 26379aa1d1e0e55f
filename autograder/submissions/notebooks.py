"""A notebook submitted instead of neural_net.py: what to tell the student.

The notebook is read only to explain (is class TwoLayerNet inside it?), never
graded: neural_net.py is the file that is graded.
"""
import json
import re

from ..paths import STUDENT_FILE

_CLASS_DEFINITION = re.compile(r'^[ \t]*class[ \t]+TwoLayerNet\b', re.MULTILINE)


def notebook_defines_class(data):
    """True if a notebook's code cells define class TwoLayerNet."""
    try:
        notebook = json.loads(data.decode('utf-8', errors='replace'))
    except ValueError:
        return bool(_CLASS_DEFINITION.search(data.decode('utf-8', errors='replace')))
    cells = notebook.get('cells') if isinstance(notebook, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get('cell_type') != 'code':
            continue
        source = cell.get('source', '')
        if isinstance(source, list):
            source = ''.join(part for part in source if isinstance(part, str))
        if isinstance(source, str) and _CLASS_DEFINITION.search(source):
            return True
    return False


def notebook_problem(display, notebook_names, defines_class):
    """Why a submission of notebooks (and no neural_net.py) gets zero."""
    message = ('%s: you submitted %s but not %s.' % (display, ', '.join(notebook_names),
                                                      STUDENT_FILE))
    if defines_class:
        message += (' Your class TwoLayerNet is inside the notebook; it must be in %s '
                    '(write your code between its START/END markers), and %s is the file '
                    'that is graded.' % (STUDENT_FILE, STUDENT_FILE))
    else:
        message += ' Submit your %s, which is the file that is graded.' % STUDENT_FILE
    return message
