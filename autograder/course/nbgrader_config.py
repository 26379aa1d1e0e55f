"""nbgrader configuration of the two-layer-net course (nbgrader 0.9.x).

Run nbgrader from this folder (or a copy of it): it is the course root, with
the standard folders source/, release/, submitted/, autograded/, feedback/.

Environment variables read here (all optional):
- TLN_CELL_TIMEOUT: seconds one notebook cell may run during autograde
  (default 600: the tuning cell trains several networks on CIFAR-10).
- TLN_DATASET: the dataset the notebooks load (cifar10 or fashion_mnist);
  set it in the environment nbgrader runs in, it reaches the kernels.
- TLN_SEED: the private grader seed of the hidden inputs (keep it private;
  without it the kit's public seed is used and autograde warns).
- TLN_CHECK_TIMEOUT: sandbox seconds for the code checks of one notebook
  (default 30); TLN_BEST_NET_TIMEOUT: sandbox seconds for re-training the
  tuned network from the declared best_hyperparameters (default 600).

The autograde needs the kit's ``autograder`` package importable (pip install
the kit), since the preprocessor below comes from it.
"""
import os

from autograder.platforms.nbgrader_autograde import (autograde_preprocessors,
                                                     private_seed_from_environment,
                                                     sanitize_preprocessors)

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = 'two_layer_net_course'

# Grade the student's own neural_net.py. By default autograde copies every
# non-notebook file of source/ over the student's copy; source/ holds the
# stub, so without this every student would be graded on the stub.
c.Autograde.exclude_overwriting = {'two_layer_net': ['neural_net.py']}

# Cell time limit: a cell that runs longer is interrupted and scores zero,
# so an endless loop costs that cell's time, not the whole autograde run (each
# such cell costs the full timeout: see docs/nbgrader.md on unsandboxed kernels).
c.Execute.timeout = int(os.environ.get('TLN_CELL_TIMEOUT', '600'))
c.Execute.interrupt_on_timeout = True

# What the released notebook shows in place of solutions.
c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE\nraise NotImplementedError()'}
c.ClearSolutions.text_stub = 'YOUR ANSWER HERE'

# The points of every autograded cell come from the grader, run outside the
# student's kernel (which the student's code controls): SandboxGrades, right
# after nbgrader's Execute, grades neural_net.py in the sandbox and re-trains
# the tuned network from the declared best_hyperparameters, then writes each
# test cell's feedback and points (platforms/nbgrader_autograde.py).
c.Autograde.autograde_preprocessors = autograde_preprocessors()
# A copied test cell fails that student's notebook with the reason, not the whole run.
c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
# TLN_SEED is taken out of the environment here, so the students' kernels (which
# inherit nbgrader's environment) never see it.
c.SandboxGrades.seed = private_seed_from_environment()
c.SandboxGrades.check_timeout = float(os.environ.get('TLN_CHECK_TIMEOUT', '30'))
c.SandboxGrades.best_net_timeout = float(os.environ.get('TLN_BEST_NET_TIMEOUT', '600'))
