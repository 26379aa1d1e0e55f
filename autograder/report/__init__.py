"""The class report of an ``--out`` folder: report.html and report.md.

``build(out_dir)`` reads ``results/`` (and the students' files kept in
``sources/``), computes the class's numbers (summary.py), screens the
students' own code for similar pairs (similarity.py) and writes
``report.html`` (html.py, charts from plots.py) and ``report.md``
(markdown.py) into out_dir. ``grade --out`` calls it once at the end;
``python -m autograder report DIR`` rebuilds it.

The report is for the instructor: it is written only to the top of the
``--out`` folder, never into feedback/.

This package imports its modules where they are used: the similarity
screening's child process (``python -m autograder.report.fingerprints``)
imports this package first and needs none of them.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional

from ..errors import ReportError
from ..paths import ASSIGNMENT_ID, STUDENT_FILE, kit_path
from ..outputs.output_folder import write_atomic

if TYPE_CHECKING:
    from . import summary as summ


def default_template():
    """The stub students started from: the kit's assignment/neural_net.py."""
    return kit_path('assignment', STUDENT_FILE)


@dataclass
class Report:
    assignment: str
    source_label: str
    built: float
    summary: summ.ClassSummary
    screening: Optional[object] = None
    similarity_note: str = ''
    no_source: List[str] = None
    changes: Optional[list] = None
    compare_label: str = ''


def make(out_dir, template=None, similarity=True, threshold=None,
         compare_dir=None):
    """The Report of out_dir (nothing written); template: default_template() if None."""
    from . import summary as summ
    if not os.path.isdir(os.path.join(out_dir, 'results')):
        raise ReportError('%s has no results/ folder: give the --out folder of a grading.'
                          % out_dir)
    summary = summ.load(out_dir)
    report = Report(ASSIGNMENT_ID, os.path.basename(os.path.abspath(out_dir)), time.time(),
                    summary, no_source=[])
    if compare_dir is not None:
        if not os.path.isdir(os.path.join(compare_dir, 'results')):
            raise ReportError('%s has no results/ folder to compare with.' % compare_dir)
        old, _unreadable = summ.load_results(compare_dir)
        report.changes = summ.compare(old, summary.students)
        report.compare_label = os.path.basename(os.path.abspath(compare_dir))
    if similarity:
        _screen(report, out_dir, template or default_template(), threshold)
    else:
        report.similarity_note = 'Similarity screening was not run (--no-similarity).'
    return report


def _screen(report, out_dir, template, threshold):
    from . import similarity as sim, summary as summ
    students = report.summary.students
    sources = summ.read_sources(out_dir, students)
    report.no_source = [s.id for s in students if s.id not in sources]
    try:
        with open(template, encoding='utf-8') as handle:
            template_text = handle.read()
    except OSError as error:
        raise ReportError('cannot read the template %s (%s); give it with --template FILE, '
                          'or the kit with --kit DIR.' % (template, error.strerror)) from error
    notes = []
    if report.no_source:
        notes.append('%d students have no kept source in sources/ (no file, or graded by '
                     'an older grader) and were not compared.' % len(report.no_source))
    try:
        kwargs = {} if threshold is None else {'threshold': threshold}
        report.screening = sim.screen(sources, template_text, **kwargs)
    except sim.SimilarityUnavailable as error:
        notes.append('Not screened: %s.' % error)
    except Exception as error:  # noqa: BLE001 - the rest of the report is still written
        notes.append('Not screened: the screening failed (%s: %s).'
                     % (type(error).__name__, str(error)[:300]))
    if report.screening is not None and report.screening.not_screened:
        notes.append('%d students were not screened (listed below with the reason): '
                     'compare their code by hand.' % len(report.screening.not_screened))
    report.similarity_note = ' '.join(notes)


def write(report, out_dir):
    """Write report.html and report.md into out_dir; returns their paths."""
    from . import html, markdown
    paths = (os.path.join(out_dir, 'report.html'), os.path.join(out_dir, 'report.md'))
    write_atomic(paths[0], html.render(report))
    write_atomic(paths[1], markdown.render(report))
    return paths


def build(out_dir, **options):
    """Build and write the report of out_dir; returns the Report."""
    report = make(out_dir, **options)
    write(report, out_dir)
    return report
