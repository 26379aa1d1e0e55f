"""Grade many submissions in parallel, resumably, writing the class outputs.

With an output folder, every finished submission is written at once and
atomically:
- ``results/<id>.json``: the result plus the content hash it was graded from;
- ``feedback/<id>.md`` and ``feedback/<id>.html``: the student's feedback;
- ``grades.csv``: the gradebook of every submission finished so far;
- ``sources/<id>.py``: the student's file as graded, for the class report's
  similarity screening (instructor only, like the whole folder).

Re-running over the same output folder skips submissions whose file and
grader settings are unchanged (same hash), so an interrupted batch resumes
where it stopped and loses nothing already written.
"""
import hashlib
import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

from . import feedback, gradebook, sandbox
from .files import write_atomic
from .grading import MAX_SOURCE_BYTES, SubmissionResult, CheckResult
from .paths import ASSIGNMENT_ID

RESULT_FORMAT = 1


def safe_name(submission_id):
    """A file name for a submission id; ids with other characters get a hash suffix."""
    cleaned = re.sub(r'[^A-Za-z0-9._-]', '_', submission_id).strip('._') or 'submission'
    if cleaned != submission_id:
        cleaned += '-' + hashlib.sha256(submission_id.encode('utf-8')).hexdigest()[:8]
    return cleaned[:120]


def content_key(submission, fingerprint):
    """Hash of what determines a grade: the file's bytes and the grader settings."""
    digest = hashlib.sha256(fingerprint.encode('utf-8'))
    if submission.file is None:
        digest.update(b'problem:' + submission.problem.encode('utf-8'))
    else:
        with open(submission.file, 'rb') as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def _result_from_json(data):
    return SubmissionResult(data['submission'], [
        CheckResult(c['name'], c['score'], c['max_score'], c['feedback'])
        for c in data['checks']])


class BatchError(Exception):
    """The output folder cannot be used (it would overwrite someone else's files)."""


class Batch:
    """Grades submissions with one Grader, optionally into an output folder.

    The gradebook lists this run's submissions first, then every other
    submission graded earlier into the same folder, so grading a second group
    into it never drops the first group's grades.
    """

    def __init__(self, grader, out_dir=None, jobs=1, progress=False):
        self.grader = grader
        self.out_dir = out_dir
        self.jobs = max(1, int(jobs))
        self.progress = progress
        self._lock = threading.Lock()
        self._finished = {}
        self._earlier = {}
        self.skipped = 0

    def _load_earlier(self):
        """Results already in out_dir/results (from earlier runs), by submission id."""
        gradebook_path = os.path.join(self.out_dir, 'grades.csv')
        results_dir = os.path.join(self.out_dir, 'results')
        if os.path.exists(gradebook_path) and not os.path.isdir(results_dir):
            raise BatchError('%s exists but was not written by this grader (no results/ '
                             'folder beside it); choose another --out folder so it is not '
                             'overwritten.' % gradebook_path)
        earlier = {}
        if os.path.isdir(results_dir):
            for name in sorted(os.listdir(results_dir)):
                try:
                    with open(os.path.join(results_dir, name), encoding='utf-8') as handle:
                        result = _result_from_json(json.load(handle)['result'])
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                earlier[result.submission] = result
        return earlier

    def _path(self, kind, submission_id, extension):
        return os.path.join(self.out_dir, kind, safe_name(submission_id) + extension)

    def _cached(self, submission, key):
        if not self.out_dir:
            return None
        path = self._path('results', submission.id, '.json')
        try:
            with open(path, encoding='utf-8') as handle:
                stored = json.load(handle)
        except (OSError, ValueError):
            return None
        if (not isinstance(stored, dict) or stored.get('format') != RESULT_FORMAT
                or stored.get('key') != key or stored.get('result', {}).get('submission')
                != submission.id):
            return None
        try:
            return _result_from_json(stored['result'])
        except (KeyError, TypeError):
            return None

    def _keep_source(self, submission):
        """Copy the student's file to out/sources/ (or drop a stale copy if there is none)."""
        path = self._path('sources', submission.id, '.py')
        try:
            if submission.file is None or os.path.getsize(submission.file) > MAX_SOURCE_BYTES:
                raise OSError('no file to keep')
            with open(submission.file, 'rb') as handle:
                text = handle.read().decode('utf-8', errors='replace')
        except OSError:
            if os.path.exists(path):
                os.remove(path)
            return
        write_atomic(path, text)

    def _grade_one(self, submission, fingerprint):
        key = content_key(submission, fingerprint) if self.out_dir else ''
        if self.out_dir:
            self._keep_source(submission)
        cached = self._cached(submission, key)
        if cached is not None:
            with self._lock:
                self.skipped += 1
                self._finished[submission.id] = cached
            return cached
        if submission.file is None:
            result = self.grader.zero_result(submission.id, submission.problem)
        else:
            result = self.grader.grade_file(submission.file, submission.id)
        if self.out_dir:
            data = result.to_json()
            write_atomic(self._path('feedback', submission.id, '.md'), feedback.markdown(data))
            write_atomic(self._path('feedback', submission.id, '.html'), feedback.html_page(data))
            write_atomic(self._path('results', submission.id, '.json'),
                         json.dumps({'format': RESULT_FORMAT, 'key': key, 'result': data},
                                    indent=1, sort_keys=True) + '\n')
        with self._lock:
            self._finished[submission.id] = result
            if self.out_dir:
                self._write_gradebook()
        return result

    def _write_gradebook(self):
        rows = [(sid, self._finished[sid].to_json()) for sid in self._order
                if sid in self._finished]
        rows += [(sid, self._earlier[sid].to_json()) for sid in sorted(self._earlier)
                 if sid not in self._order]
        gradebook.write(os.path.join(self.out_dir, 'grades.csv'), rows,
                        [check.name for check in self.grader.checks], ASSIGNMENT_ID)

    def run(self, submissions, fingerprint):
        """Grade every submission; returns results in submission order."""
        self._order = [submission.id for submission in submissions]
        if self.out_dir:
            self._earlier = self._load_earlier()
        bar = None
        if self.progress:
            from tqdm import tqdm
            bar = tqdm(total=len(submissions), unit='submission', desc='grading')
        try:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                futures = [pool.submit(self._grade_one, s, fingerprint) for s in submissions]
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
                    sandbox.abort_all()
                    raise
        finally:
            if bar is not None:
                bar.close()
        return [self._finished[sid] for sid in self._order]
