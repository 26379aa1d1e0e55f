"""nbgrader configuration of the two-layer-net course (nbgrader 0.9.x).

Run nbgrader from this folder (or a copy of it): it is the course root, with
the standard folders source/, release/, submitted/, autograded/, feedback/.

Environment variables read here (all optional):
- TLN_CELL_TIMEOUT: seconds one notebook cell may run during autograde
  (default 600: the tuning cell trains several networks on CIFAR-10).
- TLN_DATASET: the dataset the notebooks load (cifar10 or fashion_mnist);
  set it in the environment nbgrader runs in, it reaches the kernels.
"""
import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = 'two_layer_net_course'

# Grade the student's own neural_net.py. By default autograde copies every
# non-notebook file of source/ over the student's copy; source/ holds the
# stub, so without this every student would be graded on the stub.
c.Autograde.exclude_overwriting = {'two_layer_net': ['neural_net.py']}

# Cell time limit: a cell that runs longer is interrupted and scores zero,
# so an endless loop costs minutes, not the whole autograde run.
c.Execute.timeout = int(os.environ.get('TLN_CELL_TIMEOUT', '600'))
c.Execute.interrupt_on_timeout = True

# What the released notebook shows in place of solutions.
c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE\nraise NotImplementedError()'}
c.ClearSolutions.text_stub = 'YOUR ANSWER HERE'
