"""Where the parts of the kit live, relative to this package."""
import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(PACKAGE_DIR)
SOLUTIONS_DIR = os.path.join(REPO_DIR, 'solutions')
ASSIGNMENT_DIR = os.path.join(REPO_DIR, 'assignment')
COURSE_DIR = os.path.join(PACKAGE_DIR, 'course')
ASSIGNMENT_ID = 'two_layer_net'
COURSE_SOURCE_DIR = os.path.join(COURSE_DIR, 'source', ASSIGNMENT_ID)

STUDENT_FILE = 'neural_net.py'
NOTEBOOK_FILE = 'two_layer_net.ipynb'
# Support modules students get unchanged, next to their stub and notebook.
SUPPORT_FILES = ('data_utils.py', 'cifar10_download.py', 'gradient_check.py', 'vis_utils.py')
