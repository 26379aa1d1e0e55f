"""Which neural_net.py is graded when a submission holds several.

The one rule of every route (grade, check, classroom, Gradescope, nbgrader),
documented in docs/grading.md: the one in a folder named assignment/ wins,
then the one in a folder named like the assignment, then the one at the top
of the submission. When the first of these that has any holds more than one,
or none has any, the student is told to keep one.
"""
from ..errors import SubmissionError
from ..paths import ASSIGNMENT_ID, STUDENT_FILE
from .student_file import shortened, shown_parts

PREFERRED_FOLDERS = ('assignment', ASSIGNMENT_ID)


def several_files_problem(display, candidates):
    """Why a submission with several neural_net.py and none preferred gets zero."""
    return ('%s holds %d files named %s (%s) and the grader cannot tell which one is yours: '
            'it grades the one in %s, else the one at the top, when there is exactly one. '
            'Keep one %s (delete or rename the others) and submit again.'
            % (display, len(candidates), STUDENT_FILE,
               ', '.join(shortened(shown_parts(c), 80) for c in candidates[:10])
               + (', ...' if len(candidates) > 10 else ''),
               ', else '.join('a folder named %s/' % name for name in PREFERRED_FOLDERS),
               STUDENT_FILE))


def choose_student_file(candidates, display):
    """(graded, ignored): the neural_net.py to grade among candidates (tuples of
    path parts inside one submission) and the others, or (None, ()) for none.

    One file is graded; with several, the one whose folder is named
    assignment/ wins, then two_layer_net/, then the one at the top; when the
    first of these tiers that has any holds more than one, or none has any,
    SubmissionError lists the files and says to keep one.
    """
    if len(set(candidates)) != len(candidates):
        twice = sorted({c for c in candidates if candidates.count(c) > 1})
        raise SubmissionError('%s holds %s more than once; keep only one.'
                              % (display, shown_parts(twice[0])))
    if len(candidates) <= 1:
        return (candidates[0] if candidates else None), ()
    tiers = [[c for c in candidates if len(c) >= 2 and c[-2] == folder]
             for folder in PREFERRED_FOLDERS]
    tiers.append([c for c in candidates if len(c) == 1])
    tier = next((tier for tier in tiers if tier), [])
    if len(tier) != 1:
        raise SubmissionError(several_files_problem(display, candidates))
    return tier[0], tuple(c for c in candidates if c != tier[0])
