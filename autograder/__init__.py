"""Autograder for the two-layer neural network assignment.

One catalog of checks (``autograder.checks``) serves every grading path: the
command-line grader, the student self-check, the nbgrader test cells and the
Gradescope bundle. Student code only ever runs in a sandboxed child process
(``autograder.sandbox``); the reference loss that train, sgd and predict are
served is computed in the grader process.
docs/architecture.md shows the data flow and where each part lives.
"""
__version__ = '2.5.2'
