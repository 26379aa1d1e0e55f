"""``grade``: grade submissions; a class folder becomes a gradebook.

    python -m autograder grade SUBMISSION... [--json] [--out DIR] [--jobs N]
                               [--timeout S] [--dataset NAME] [--no-report]

With --json, stdout is exactly one JSON array (one object per submission);
progress and messages go to stderr.
"""
import json
import os
import sys

from .. import sandbox
from ..errors import EXIT_INCOMPLETE, EXIT_OK, GraderError, SubmissionError
from ..outputs.feedback import markdown, table
from ..outputs.sanitise import step_summary, terminal
from ..submissions.batch import Batch
from ..submissions.discovery import discover, holds_nothing
from . import report as report_verb
from .options import (add_grading_options, add_kit_option, add_seed_guard, make_grader,
                      refuse_public_seed, refuse_seed_on_command_line, take_seed)

NAME = 'grade'


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='grade submissions',
                              description=__doc__.split('\n')[0])
    parser.add_argument('submissions', nargs='+', metavar='SUBMISSION',
                        help='neural_net.py, a folder holding one, a .zip, or a class folder')
    output = parser.add_mutually_exclusive_group()
    output.add_argument('--json', action='store_true', help='print one JSON array to stdout')
    output.add_argument('--markdown', action='store_true',
                        help='print Markdown feedback (e.g. for a GitHub Actions summary)')
    parser.add_argument('--out', metavar='DIR',
                        help='write grades.csv, feedback/, results/, sources/ and the class '
                             'report here (resumable)')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1,
                        help='submissions graded at once (default: %(default)s)')
    parser.add_argument('--progress', dest='progress', action='store_true', default=None,
                        help='show a progress bar (default: when stderr is a terminal)')
    parser.add_argument('--no-progress', dest='progress', action='store_false')
    parser.add_argument('--no-report', dest='report', action='store_false',
                        help='with --out: do not write the class report (report.html, '
                             'report.md; see the report verb)')
    add_grading_options(parser)
    add_seed_guard(parser)
    add_kit_option(parser)


def run(args):
    """Grade; KitErrors (bad arguments, grader or output folder errors) exit with 2 (cli.py)."""
    take_seed(args)
    output = 'json' if args.json else 'markdown' if args.markdown else 'table'
    status, _ = grade_submissions(args.submissions, args, out=args.out, jobs=args.jobs,
                                  output=output, progress=args.progress, report=args.report)
    return status


def grade_submissions(paths, grading, out=None, jobs=1, output='table', progress=None,
                      report=True, exclude=(), submitted=None):
    """Grade the submissions at paths; returns (exit status: EXIT_OK or
    EXIT_INCOMPLETE of errors.EXIT_CODES['grade'], the result dicts); KitError for the rest. The one way to grade a class, for
    ``grade`` and for the verbs that gather submissions first (``classroom grade``).

    grading: the parsed grading options (options.add_grading_options, add_seed_guard,
    and ``verb``); exclude: folders of a class folder not to grade; submitted:
    {submission id: gradebook.Submitted} for the gradebook's time columns.
    """
    empty = [path for path in paths if holds_nothing(path)]
    if empty:
        raise SubmissionError('no submissions found in %s: the folder is empty.'
                              % ', '.join(empty))
    submissions = discover(paths, exclude=list(exclude) + ([out] if out else []))
    if not submissions:
        raise SubmissionError('no submissions found in %s.' % ', '.join(paths))
    denied = [os.path.abspath(path) for path in paths]
    if out:
        denied.append(os.path.abspath(out))
    refuse_public_seed(grading)
    box = sandbox.Sandbox()    # this grade's children, warm pools and scratch folder
    try:
        refuse_seed_on_command_line(grading, box.required_layer())
        grader = make_grader(grading, denied_roots=denied, sandbox=box)
    except BaseException:
        box.close()
        raise
    with box, grader:
        print(sandbox.isolation.describe(box.isolation_layer()), file=sys.stderr)
        note = box.concurrency_note(jobs)
        if note:
            print(note, file=sys.stderr)
        progress = progress if progress is not None else (
            sys.stderr.isatty() and len(submissions) > 1)
        batch = Batch(grader, out, jobs, progress, submitted=submitted)
        results = batch.run(submissions, grader.settings_key())
    data = [result.to_json(timing=False) for result in results]
    if output == 'json':
        print(json.dumps(data, indent=1))
    elif output == 'markdown':
        print(step_summary('\n'.join(markdown(result) for result in data)))
    else:
        print(table(data))
        total = sum(r['score'] for r in data)
        print('%d submission(s) graded; mean score %.2f / %g' % (
            len(data), total / max(len(data), 1), data[0]['max_score'] if data else 0))
    if out:
        print('wrote %s (gradebook), feedback/ and results/ in %s%s' % (
            os.path.join(out, 'grades.csv'), out,
            '; %d unchanged submission(s) reused' % batch.skipped if batch.skipped else ''),
            file=sys.stderr)
    if out and report:
        report_verb.after_grading(out)    # a KitError if it fails (the grades are written)
    if batch.failures:
        one = len(batch.failures) == 1
        raise GraderError('the grader failed on %s; %s not in the outputs: run the same command '
                          'again to retry %s.' % (', '.join('%s (%s)' % failure for failure
                                                            in batch.failures),
                                                  'it is' if one else 'they are',
                                                  'it' if one else 'them'))
    missing = [submission for submission in submissions if not submission.gradable]
    for submission in missing:
        print('not gradable: %s (%s): %s' % tuple(
            terminal(text, one_line=True)
            for text in (submission.id, submission.location, submission.problem)),
            file=sys.stderr)
    if missing:
        print('%d submission(s) had no gradable %s and got 0 (exit status %d).'
              % (len(missing), 'neural_net.py', EXIT_INCOMPLETE), file=sys.stderr)
        return EXIT_INCOMPLETE, data
    return EXIT_OK, data
