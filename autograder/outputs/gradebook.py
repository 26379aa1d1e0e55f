"""The class gradebook as CSV, with nbgrader export's columns first.

nbgrader's ``export`` writes assignment, duedate, timestamp, student_id,
last_name, first_name, email, raw_score, late_submission_penalty, score and
max_score; a gradebook from this grader has the same columns (those the
grader cannot know are left empty) followed by one column per check and
the isolation layer the submission's code ran under. Every cell goes through
sanitise.csv_cell: a student id taken from a folder or zip name that starts
like a formula (=, +, -, @) is text to a spreadsheet, never a formula.
"""
import csv
import io

from .output_folder import write_atomic
from .sanitise import csv_cell

NBGRADER_COLUMNS = ['assignment', 'duedate', 'timestamp', 'student_id', 'last_name',
                    'first_name', 'email', 'raw_score', 'late_submission_penalty', 'score',
                    'max_score']


def csv_text(rows, check_names, assignment):
    """CSV text for rows of (student_id, result dict)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    rows_out = [NBGRADER_COLUMNS + list(check_names) + ['isolation']]
    for student_id, result in rows:
        points = {check['name']: check['score'] for check in result['checks']}
        rows_out.append([assignment, '', '', student_id, '', '', '', result['score'], 0.0,
                         result['score'], result['max_score']] +
                        [points.get(name, '') for name in check_names] +
                        [result.get('isolation', '')])
    for row in rows_out:
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


def write(path, rows, check_names, assignment, root=None):
    """Write the gradebook atomically (a crash never leaves half a file), never
    through a link (root: the trusted output folder, as for write_atomic)."""
    write_atomic(path, csv_text(rows, check_names, assignment), root=root)
