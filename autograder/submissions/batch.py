"""Grade many submissions in parallel, resumably, writing the class outputs.

With an output folder, every finished submission is written at once and
atomically:
- ``results/<name>.json``: the result plus the content hash it was graded from;
- ``feedback/<name>.md`` and ``feedback/<name>.html``: the student's feedback;
- ``grades.csv``: the gradebook of every submission finished so far;
- ``sources/<name>.py``: the student's file as graded, for the class report's
  similarity screening (instructor only, like the whole folder).

Each student's <name> is their own (outputs/names.py): ids whose safe file
names coincide are told apart, with a warning, and never overwrite each other.

Re-running over the same output folder skips submissions whose file and
grader settings are unchanged (same hash), so an interrupted batch resumes
where it stopped and loses nothing already written.

The output folder is written and read without following links (outputs/output_folder.py):
a linked ``feedback/`` or ``results/`` folder or a ``grades.csv`` that is
not a regular file stops the batch before grading with a clear error; a
link or FIFO planted at a single output file is replaced, never written
through. A result file that cannot be read is reported on stderr and left
as it is (it is replaced only when its own submission is graded again).
"""
import hashlib
import json
import os
import stat
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

from ..sandbox import Aborted
from ..errors import BatchError
from ..outputs import feedback, gradebook, names
from ..outputs.output_folder import OutputError, TEMPORARY_PREFIX, kind_name, read_regular, write_atomic
from ..outputs.sanitise import terminal
from ..paths import ASSIGNMENT_ID
from ..results import SubmissionResult

RESULT_FORMAT = 2
MAX_RESULT_BYTES = 8 * 1024 * 1024
OUTPUT_FOLDERS = ('feedback', 'results', 'sources')


def content_key(submission, settings_key):
    """Hash of what determines a grade: the bytes read at discovery (never the
    path again) and the grader settings."""
    digest = hashlib.sha256(settings_key.encode('utf-8'))
    if submission.source is None:
        digest.update(b'problem:' + submission.problem.encode('utf-8', errors='replace'))
    else:
        digest.update(submission.source)
        digest.update(b'note:' + submission.note.encode('utf-8', errors='replace'))
    return digest.hexdigest()


class Batch:
    """Grades submissions with one Grader, optionally into an output folder.

    The gradebook lists this run's submissions first, then every other
    submission graded earlier into the same folder, so grading a second group
    into it never drops the first group's grades.

    warn: called with each warning (default: print it on stderr).
    submitted: {submission id: gradebook.Submitted} for the gradebook's time columns.
    An interrupted run kills the children of the grader's Sandbox (abort_all): the one that
    runs them, whether the grader made it or was given it.
    """

    def __init__(self, grader, out_dir=None, jobs=1, progress=False, warn=None, submitted=None):
        self.grader = grader
        self.sandbox = grader.sandbox    # whose children an interruption kills
        self.submitted = submitted
        self.out_dir = out_dir
        self.jobs = max(1, int(jobs))
        self.progress = progress
        self.warn = warn or (lambda message: print(message, file=sys.stderr))
        self._lock = threading.Lock()
        self._finished = {}
        self._earlier = {}
        self._stored = {}
        self._names = {}         # submission id -> its file name in the output folder
        self._earlier_names = {}
        self._failed = {}
        self.failures = []       # (submission id, error) where the grader itself failed
        self.skipped = 0

    def _check_out_dir(self):
        """Refuse an output folder whose parts are links or not what they should be."""
        out = self.out_dir
        if os.path.lexists(out) and not os.path.isdir(out):
            raise BatchError('%s is not a folder; choose another --out folder.' % out)
        for name in OUTPUT_FOLDERS:
            path = os.path.join(out, name)
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(mode):
                raise BatchError('%s is %s, not a folder the grader wrote; it does not write '
                                 'through links. Remove it or choose another --out folder.'
                                 % (path, kind_name(mode)))
        gradebook_path = os.path.join(out, 'grades.csv')
        try:
            mode = os.lstat(gradebook_path).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISREG(mode):
            raise BatchError('%s is %s, not a gradebook the grader wrote; remove it or choose '
                             'another --out folder.' % (gradebook_path, kind_name(mode)))
        if not os.path.isdir(os.path.join(out, 'results')):
            raise BatchError('%s exists but was not written by this grader (no results/ '
                             'folder beside it); choose another --out folder so it is not '
                             'overwritten.' % gradebook_path)

    def _load_earlier(self):
        """Results already in out_dir/results (from earlier runs), by submission id.

        Each stored file is kept by name for the resume check. A file that is
        not a valid result is reported (self.warn) and left untouched.
        """
        self._check_out_dir()
        results_dir = os.path.join(self.out_dir, 'results')
        earlier, self._stored, self._earlier_names = {}, {}, {}
        if not os.path.isdir(results_dir):
            return earlier
        try:
            names = sorted(os.listdir(results_dir))
        except OSError as error:
            raise BatchError('cannot list %s (%s).' % (results_dir, error.strerror)) from error
        for name in names:
            if name.startswith(TEMPORARY_PREFIX) or not name.endswith('.json'):
                continue
            path = os.path.join(results_dir, name)
            try:
                stored = json.loads(read_regular(path, MAX_RESULT_BYTES, root=self.out_dir))
                if not isinstance(stored, dict) or not isinstance(stored.get('result'), dict):
                    raise TypeError('not a result object')
                result = SubmissionResult.from_json(stored['result'])
            except OutputError as error:
                problem = '%s, not a result file' % str(error).rstrip('.')
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
                detail = str(error) if isinstance(error, (ValueError, TypeError)) else (
                    '%s %s' % (type(error).__name__, error))
                problem = '%s is not a valid result file (%s)' % (path, detail[:200])
            else:
                self._stored[name] = stored
                if result.submission not in earlier:
                    earlier[result.submission] = result
                    self._earlier_names[result.submission] = name[:-len('.json')]
                continue
            self.warn('warning: %s; it is left as it is (and replaced only if its submission is '
                      'graded again).' % problem)
        return earlier

    def _path(self, kind, submission_id, extension):
        return os.path.join(self.out_dir, kind, self._names[submission_id] + extension)

    def _cached(self, submission, key):
        if not self.out_dir:
            return None
        stored = self._stored.get(self._names[submission.id] + '.json')
        if (stored is None or stored.get('format') != RESULT_FORMAT or stored.get('key') != key
                or stored['result'].get('submission') != submission.id):
            return None
        return SubmissionResult.from_json(stored['result'])

    def _keep_source(self, submission):
        """Keep the student's file as graded in out/sources/, for the class report."""
        if submission.source is not None:
            self._write(self._path('sources', submission.id, '.py'),
                        submission.source.decode('utf-8', errors='replace'))

    def _grade_one(self, submission, settings_key):
        key = content_key(submission, settings_key) if self.out_dir else ''
        if self.out_dir:
            self._keep_source(submission)
        cached = self._cached(submission, key)
        if cached is not None:
            with self._lock:
                self.skipped += 1
                self._finished[submission.id] = cached
            return cached
        if submission.source is None:
            result = self.grader.zero_result(submission.id, submission.problem)
        else:
            try:
                result = self.grader.grade_source(submission.source, submission.id)
            except Aborted:
                raise
            except Exception as error:  # noqa: BLE001 - the grader's fault, reported
                # Not the student's doing: this one is left out of the outputs (a
                # re-run retries it) and the rest of the class is graded.
                message = '%s: %s' % (type(error).__name__, error)
                result = self.grader.zero_result(
                    submission.id, 'the grader failed on this submission (%s). Your instructor '
                    'has been told.' % message, diagnoses=())
                with self._lock:
                    self.failures.append((submission.id, message))
                    self._failed[submission.id] = result
                return result
        if submission.note:
            result.warnings += (submission.note,)
        if self.out_dir:
            data = result.to_json()
            try:
                self._write(self._path('feedback', submission.id, '.md'),
                            feedback.markdown(data))
                self._write(self._path('feedback', submission.id, '.html'),
                            feedback.html_page(data))
                self._write(self._path('results', submission.id, '.json'),
                            json.dumps({'format': RESULT_FORMAT, 'key': key, 'result': data},
                                       indent=1, sort_keys=True) + '\n')
            except OutputError as error:
                raise BatchError(str(error)) from error
        with self._lock:
            self._finished[submission.id] = result
            if self.out_dir:
                try:
                    self._write_gradebook()
                except OutputError as error:
                    raise BatchError(str(error)) from error
        return result

    def _write(self, path, text):
        write_atomic(path, text, root=self.out_dir)

    def _write_gradebook(self):
        # This run's submissions (the earlier grade while one is not finished
        # again), then everyone else graded earlier into this folder.
        rows = [(sid, (self._finished.get(sid) or self._earlier[sid]).to_json())
                for sid in self._order if sid in self._finished or sid in self._earlier]
        rows += [(sid, self._earlier[sid].to_json()) for sid in sorted(self._earlier)
                 if sid not in self._order]
        gradebook.write(os.path.join(self.out_dir, 'grades.csv'), rows,
                        [check.name for check in self.grader.checks], ASSIGNMENT_ID,
                        root=self.out_dir, submitted=self.submitted)

    def run(self, submissions, settings_key):
        """Grade every submission; returns results in submission order."""
        self._order = [submission.id for submission in submissions]
        self.sandbox.reset_abort()
        if self.out_dir:
            self._earlier = self._load_earlier()
            self._names, collisions = names.assign(self._order, self._earlier_names)
            for name, ids in collisions:
                self.warn('warning: %s have the same file name %s; their files are %s.' % (
                    ' and '.join(terminal(i, one_line=True) for i in ids), name,
                    ', '.join('%s.*' % self._names[i] for i in ids)))
        bar = None
        if self.progress:
            from tqdm import tqdm
            bar = tqdm(total=len(submissions), unit='submission', desc='grading')
        try:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                futures = [pool.submit(self._grade_one, s, settings_key) for s in submissions]
                try:
                    for future in as_completed(futures):
                        future.result()
                        if bar is not None:
                            bar.update(1)
                except BaseException:
                    # Interrupted (Ctrl-C) or failed: stop queued work and kill the
                    # children still running; their results are not written.
                    for future in futures:
                        future.cancel()
                    self.sandbox.abort_all()
                    raise
        finally:
            if bar is not None:
                bar.close()
        if self.out_dir:
            # Reused results finish without writing; the gradebook lists them all.
            try:
                self._write_gradebook()
            except OutputError as error:
                raise BatchError(str(error)) from error
        return [self._finished.get(sid) or self._failed[sid] for sid in self._order]
