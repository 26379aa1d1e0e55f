"""The class gradebook as CSV, with nbgrader export's columns first.

nbgrader's ``export`` writes assignment, duedate, timestamp, student_id,
last_name, first_name, email, raw_score, late_submission_penalty, score and
max_score; a gradebook from this grader has the same columns (those the
grader cannot know are left empty) followed by one column per check and
the isolation layer the submission's code ran under. When the submissions'
times are known (``classroom grade``: the graded commit's time), they fill
``timestamp``, the deadline fills ``duedate`` and a last column ``late`` says
yes or no. Every cell goes through sanitise.csv_cell: a student id taken from a
folder or zip name that starts like a formula (=, +, -, @) is text to a
spreadsheet, never a formula.
"""
import csv
import io

from .output_folder import write_atomic
from .sanitise import csv_cell

NBGRADER_COLUMNS = ['assignment', 'duedate', 'timestamp', 'student_id', 'last_name',
                    'first_name', 'email', 'raw_score', 'late_submission_penalty', 'score',
                    'max_score']


def csv_text(rows, check_names, assignment, submitted=None):
    """CSV text for rows of (student_id, result dict).

    submitted: {student_id: Submitted} when the submission times are known.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    rows_out = [NBGRADER_COLUMNS + list(check_names) + ['isolation'] +
                (['late'] if submitted is not None else [])]
    for student_id, result in rows:
        points = {check['name']: check['score'] for check in result['checks']}
        known = (submitted or {}).get(student_id)
        rows_out.append([assignment, known.deadline if known else '',
                         known.timestamp if known else '', student_id, '', '', '',
                         result['score'], 0.0, result['score'], result['max_score']] +
                        [points.get(name, '') for name in check_names] +
                        [result.get('isolation', '')] +
                        ([known.late_text if known else ''] if submitted is not None else []))
    for row in rows_out:
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


class Submitted:
    """When a submission was made (ISO 8601 UTC text) and the deadline it had, if any."""

    def __init__(self, timestamp, deadline=''):
        self.timestamp = timestamp
        self.deadline = deadline

    @property
    def late(self):
        """True after the deadline (both are ISO 8601 UTC text of one format); None without one."""
        return self.timestamp > self.deadline if self.deadline else None

    @property
    def late_text(self):
        return {True: 'yes', False: 'no', None: ''}[self.late]


def write(path, rows, check_names, assignment, root=None, submitted=None):
    """Write the gradebook atomically (a crash never leaves half a file), never
    through a link (root: the trusted output folder, as for write_atomic)."""
    write_atomic(path, csv_text(rows, check_names, assignment, submitted), root=root)
