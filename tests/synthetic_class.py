"""Synthetic classes for the class report: independent students and planted copies.

An independent student is the stub with each of its seven code regions
filled by one of five differently written implementations (alternative 0 is
the reference's own code). Students are laid out on a Latin square: student
(a, b) takes alternative (a + b * r) mod 5 in region r, so two different
students share at most one of the large regions (loss, backward, sampling)
and never more than two regions in all; no two of them are copies.

Some students get a known mistake (missing ReLU mask, 0.5 * reg, db1 over the
wrong axis, no learning-rate decay, or any mutant of autograder/mutants.py
that fits their code), so the report has common mistakes to group.

A planted copy is another student's file with local variables renamed,
independent adjacent lines swapped and comments changed: what a student who
copies and disguises does.

When tests/corpus/*.py exists, those files join the class too, as
corpus_<file name>. They are not all independent: files of one corpus family
(tests/corpus_families.py) were made from one base text, so they are
near-copies of each other.

Used by tests/test_report.py, bench/similarity_speed.py and
bench/similarity_calibration.py (class_sources(): the report test's class).
It holds correct implementations, so it lives with the tests, never in the
grader package.
"""
import ast
import glob
import io
import keyword
import os
import random
import re
import tokenize

import corpus_families
from autograder.checks import markers
from autograder.paths import ASSIGNMENT_DIR, STUDENT_FILE, load_mutants

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS_DIR = os.path.join(HERE, 'corpus')
STUB_PATH = os.path.join(ASSIGNMENT_DIR, STUDENT_FILE)
CORPUS_PREFIX = 'corpus_'      # a corpus file's student id is this plus its name


def corpus_family(student_id):
    """The family (tests/corpus_families.py) of a corpus student's id, None for anyone else."""
    if student_id.startswith(CORPUS_PREFIX):
        return corpus_families.FAMILY[student_id[len(CORPUS_PREFIX):]]
    return None
PRIME = 5

# Interface between regions: the forward pass defines `hidden` (after the
# ReLU) and `scores`; the loss defines `probs`, `rows` and `loss`.
INIT = [
    """\
self.params['W1'] = std * np.random.randn(input_size, hidden_size)
self.params['b1'] = np.zeros(hidden_size)
self.params['W2'] = std * np.random.randn(hidden_size, output_size)
self.params['b2'] = np.zeros(output_size)
""", """\
p = self.params
p['W1'] = np.random.randn(input_size, hidden_size) * std
p['W2'] = np.random.randn(hidden_size, output_size) * std
p['b1'] = np.zeros((hidden_size,))
p['b2'] = np.zeros((output_size,))
""", """\
shapes = [(input_size, hidden_size), (hidden_size, output_size)]
for layer, (fan_in, fan_out) in enumerate(shapes, start=1):
    self.params['W%d' % layer] = std * np.random.randn(fan_in, fan_out)
    self.params['b%d' % layer] = np.zeros(fan_out)
""", """\
self.params.update({'W1': np.random.normal(0.0, std, size=(input_size, hidden_size)),
                    'b1': np.zeros(hidden_size, dtype=float)})
self.params.update({'W2': np.random.normal(0.0, std, size=(hidden_size, output_size)),
                    'b2': np.zeros(output_size, dtype=float)})
""", """\
first = np.random.randn(input_size, hidden_size)
second = np.random.randn(hidden_size, output_size)
self.params = {'W1': first * std, 'b1': np.zeros(hidden_size),
               'W2': second * std, 'b2': np.zeros(output_size)}
"""]

FORWARD = [
    """\
hidden = X.dot(W1)                            # (N, H)
hidden += b1
np.maximum(hidden, 0.0, out=hidden)           # ReLU, in place
scores = hidden.dot(W2) + b2                  # (N, C)
""", """\
z1 = X @ W1 + b1
hidden = np.maximum(0, z1)
scores = hidden @ W2 + b2
""", """\
pre_activation = np.dot(X, W1) + b1[np.newaxis, :]
hidden = pre_activation * (pre_activation > 0)
scores = np.dot(hidden, W2) + b2[np.newaxis, :]
""", """\
hidden = np.clip(X.dot(W1) + b1, 0, None)
scores = hidden.dot(W2)
scores += b2
""", """\
layer1 = np.matmul(X, W1)
layer1 += b1
hidden = np.where(layer1 > 0, layer1, 0.0)
scores = np.matmul(hidden, W2) + b2
"""]

LOSS = [
    """\
shifted = scores - scores.max(axis=1, keepdims=True)
exp_scores = np.exp(shifted)
sum_exp = exp_scores.sum(axis=1, keepdims=True)
probs = exp_scores / sum_exp                  # (N, C)
rows = np.arange(N)
log_probs_correct = shifted[rows, y] - np.log(sum_exp[:, 0])
data_loss = -log_probs_correct.mean()
# np.vdot(W, W) is sum(W**2) without a temporary array.
reg_loss = reg * (np.vdot(W1, W1) + np.vdot(W2, W2))
loss = data_loss + reg_loss
""", """\
rows = np.arange(N)
stable = scores - np.max(scores, axis=1)[:, None]
log_norm = np.log(np.sum(np.exp(stable), axis=1))[:, None]
probs = np.exp(stable - log_norm)
correct_logprobs = log_norm[:, 0] - stable[rows, y]
loss = np.sum(correct_logprobs) / N
loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
""", """\
rows = np.arange(N)
m = scores.max(axis=1, keepdims=True)
log_z = m + np.log(np.exp(scores - m).sum(axis=1, keepdims=True))
log_probs = scores - log_z
probs = np.exp(log_probs)
loss = -np.mean(log_probs[rows, y]) + reg * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
""", """\
shifted_scores = scores - scores.max(axis=1).reshape(-1, 1)
exp_s = np.exp(shifted_scores)
denom = exp_s.sum(axis=1).reshape(-1, 1)
probs = exp_s / denom
total = 0.0
for i in range(N):
    total += np.log(denom[i, 0]) - shifted_scores[i, y[i]]
rows = np.arange(N)
loss = total / N + reg * ((W1 ** 2).sum() + (W2 ** 2).sum())
""", """\
one_hot = np.zeros_like(scores)
rows = np.arange(N)
one_hot[rows, y] = 1
shift = scores - np.amax(scores, axis=1, keepdims=True)
lse = np.log(np.exp(shift).sum(axis=1, keepdims=True))
probs = np.exp(shift - lse)
data_term = -np.sum(one_hot * (shift - lse)) / N
reg_term = reg * np.sum(W1 ** 2) + reg * np.sum(W2 ** 2)
loss = data_term + reg_term
"""]

BACKWARD = [
    """\
dscores = probs.copy()
dscores[rows, y] -= 1.0
dscores /= N                                  # (N, C)
grads['W2'] = hidden.T.dot(dscores)
grads['W2'] += 2.0 * reg * W2
grads['b2'] = dscores.sum(axis=0)
dhidden = dscores.dot(W2.T)                   # (N, H)
dhidden *= hidden > 0                         # ReLU mask
grads['W1'] = X.T.dot(dhidden)
grads['W1'] += 2.0 * reg * W1
grads['b1'] = dhidden.sum(axis=0)
""", """\
dout = probs.copy()
dout[rows, y] -= 1
dout /= N
grads['W2'] = hidden.T @ dout + 2 * reg * W2
grads['b2'] = np.sum(dout, axis=0)
dh = dout @ W2.T
dh[hidden <= 0] = 0
grads['W1'] = X.T @ dh + 2 * reg * W1
grads['b1'] = np.sum(dh, axis=0)
""", """\
target = np.zeros_like(probs)
target[rows, y] = 1.0
delta2 = (probs - target) / N
dW2 = np.dot(hidden.T, delta2)
db2 = delta2.sum(axis=0)
delta1 = np.dot(delta2, W2.T) * (hidden > 0)
dW1 = np.dot(X.T, delta1)
db1 = delta1.sum(axis=0)
grads.update(W1=dW1 + 2.0 * reg * W1, b1=db1, W2=dW2 + 2.0 * reg * W2, b2=db2)
""", """\
g = probs
g[rows, y] -= 1
g = g / N
relu_grad = (hidden > 0).astype(float)
back = g.dot(W2.T) * relu_grad
grads['W2'] = hidden.T.dot(g)
grads['b2'] = g.sum(0)
grads['W1'] = X.T.dot(back)
grads['b1'] = back.sum(0)
for key, weight in (('W1', W1), ('W2', W2)):
    grads[key] += 2 * reg * weight
""", """\
d_scores = np.array(probs)
d_scores[np.arange(N), y] += -1.0
d_scores *= 1.0 / N
grads['b2'] = np.einsum('nc->c', d_scores)
grads['W2'] = np.einsum('nh,nc->hc', hidden, d_scores) + reg * 2 * W2
d_hidden = np.einsum('nc,hc->nh', d_scores, W2)
d_hidden = np.where(hidden > 0, d_hidden, 0)
grads['b1'] = d_hidden.sum(axis=0)
grads['W1'] = np.einsum('nd,nh->dh', X, d_hidden) + reg * 2 * W1
"""]

SAMPLE = [
    """\
batch_indices = np.random.choice(num_train, batch_size)
X_batch = X[batch_indices]
y_batch = y[batch_indices]
""", """\
idx = np.random.choice(num_train, batch_size, replace=True)
X_batch, y_batch = X[idx], y[idx]
""", """\
sample = np.random.choice(np.arange(num_train), size=batch_size)
X_batch = X[sample, :]
y_batch = y[sample]
""", """\
chosen = np.random.choice(num_train, batch_size)
X_batch = np.take(X, chosen, axis=0)
y_batch = np.take(y, chosen)
""", """\
rand_rows = np.random.choice(num_train, batch_size)
y_batch = y[rand_rows]
X_batch = X[rand_rows]
"""]

UPDATE = [
    """\
for name in self.params:
    step = grads[name]
    step *= learning_rate                 # in place: no temporary
    self.params[name] -= step
""", """\
for key in self.params:
    self.params[key] -= learning_rate * grads[key]
""", """\
for param_name, grad in grads.items():
    self.params[param_name] = self.params[param_name] - learning_rate * grad
""", """\
self.params['W1'] -= learning_rate * grads['W1']
self.params['b1'] -= learning_rate * grads['b1']
self.params['W2'] -= learning_rate * grads['W2']
self.params['b2'] -= learning_rate * grads['b2']
""", """\
self.params = {k: v - learning_rate * grads[k] for k, v in self.params.items()}
"""]

PREDICT = [
    """\
y_pred = np.argmax(self.loss(X), axis=1)
""", """\
scores = self.loss(X)
y_pred = scores.argmax(axis=1)
""", """\
h = np.maximum(0, X.dot(self.params['W1']) + self.params['b1'])
y_pred = np.argmax(h.dot(self.params['W2']) + self.params['b2'], axis=1)
""", """\
class_scores = self.loss(X, y=None)
y_pred = np.array([np.argmax(row) for row in class_scores])
""", """\
out = self.loss(X)
y_pred = np.argmax(out, 1).astype(int)
"""]

REGIONS = [INIT, FORWARD, LOSS, BACKWARD, SAMPLE, UPDATE, PREDICT]

# Mistakes with the diagnosis id the grader should give them; each has one
# list of edits per alternative it fits (the first that fits a student wins).
MISTAKES = {
    'relu_mask_missing': [
        [('dhidden *= hidden > 0', 'pass')],
        [('dh[hidden <= 0] = 0', 'pass')],
        [('np.dot(delta2, W2.T) * (hidden > 0)', 'np.dot(delta2, W2.T)')],
        [('back = g.dot(W2.T) * relu_grad', 'back = g.dot(W2.T)')],
        [('d_hidden = np.where(hidden > 0, d_hidden, 0)', 'pass')]],
    'reg_halved': [
        [('reg_loss = reg * (', 'reg_loss = 0.5 * reg * (')],
        [('loss += reg * (', 'loss += 0.5 * reg * (')],
        [('+ reg * (np.sum(np.square', '+ 0.5 * reg * (np.sum(np.square')],
        [('loss = total / N + reg * (', 'loss = total / N + 0.5 * reg * (')],
        [('reg_term = reg * np.sum(W1 ** 2) + reg * np.sum(W2 ** 2)',
          'reg_term = 0.5 * reg * np.sum(W1 ** 2) + 0.5 * reg * np.sum(W2 ** 2)')]],
    'db1_wrong_axis': [
        [("grads['b1'] = dhidden.sum(axis=0)", "grads['b1'] = dhidden.sum(axis=1)")],
        [("grads['b1'] = np.sum(dh, axis=0)", "grads['b1'] = np.sum(dh, axis=1)")],
        [('db1 = delta1.sum(axis=0)', 'db1 = delta1.sum(axis=1)')],
        [("grads['b1'] = back.sum(0)", "grads['b1'] = back.sum(1)")],
        [("grads['b1'] = d_hidden.sum(axis=0)", "grads['b1'] = d_hidden.sum(axis=1)")]],
    'no_lr_decay': [
        [('learning_rate *= learning_rate_decay', 'pass')]],
}
mutants = load_mutants()
for _mutant in mutants.MUTANTS:
    MISTAKES.setdefault('mutant_' + _mutant.name, [list(_mutant.edits)])
# Mistakes given out, in this order, each to the first student without one
# whose code it fits; the students left over stay correct.
PLAN = (['relu_mask_missing'] * 3 + ['reg_halved'] * 3 + ['no_lr_decay'] * 3
        + ['db1_wrong_axis'] * 2
        + ['mutant_' + name for name in ('unstable_softmax', 'sample_without_replacement',
                                         'predict_argmin', 'grads_not_divided_by_n',
                                         'init_not_scaled', 'loss_sum_not_mean',
                                         'b2_never_updated', 'reg_grad_missing_factor_2')])

def stub_text():
    with open(STUB_PATH, encoding='utf-8') as handle:
        return handle.read()


def fill(choices, template=None):
    """The stub with region r filled by REGIONS[r][choices[r]]."""
    lines = (template or stub_text()).splitlines(keepends=True)
    regions = markers.code_regions(lines)
    assert len(regions) == len(REGIONS) == len(choices)
    out, cursor = [], 0
    for (start, end, _function), options, choice in zip(regions, REGIONS, choices):
        out.extend(lines[cursor:start + 1])
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        out.extend(indent + line if line.strip() else line
                   for line in options[choice].splitlines(keepends=True))
        cursor = end
    out.extend(lines[cursor:])
    return ''.join(out)


def apply_mistake(text, mistake):
    """text with the first fitting edit list of the mistake applied, or None."""
    for edits in MISTAKES[mistake]:
        if all(text.count(old) == 1 for old, _new in edits):
            for old, new in edits:
                text = text.replace(old, new)
            return text
    return None


def independent_students(count=PRIME * PRIME, with_mistakes=True):
    """{name: (source, mistake or None)} for up to PRIME**2 independent students."""
    students = {}
    for index in range(min(count, PRIME * PRIME)):
        a, b = index % PRIME, index // PRIME
        students['student%02d' % index] = (
            fill([(a + b * r) % PRIME for r in range(len(REGIONS))]), None)
    for mistake in PLAN if with_mistakes else ():
        for name, (text, given) in students.items():
            changed = None if given else apply_mistake(text, mistake)
            if changed is not None:
                students[name] = (changed, mistake)
                break
    return students

def corpus_students():
    """{name: source} of tests/corpus/*.py (empty when that folder does not exist)."""
    found = {}
    for path in sorted(glob.glob(os.path.join(CORPUS_DIR, '*.py'))):
        with open(path, encoding='utf-8', errors='replace') as handle:
            found[CORPUS_PREFIX + os.path.splitext(os.path.basename(path))[0]] = handle.read()
    return found


# ---------------------------------------------------------------- planted copies

def _stored_names(tree):
    """Names assigned inside functions (not parameters, not attributes)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            params = {arg.arg for arg in node.args.args + node.args.kwonlyargs}
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store)
                        and inner.id not in params):
                    names.add(inner.id)
    return names


def _rename(text, mapping):
    """Rename NAME tokens (not attributes, not keyword arguments) by mapping."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    lines = text.splitlines(keepends=True)
    edits = []   # (row, col, old, new)
    depth = 0
    for index, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in '([{':
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ')]}':
            depth -= 1
        if tok.type != tokenize.NAME or tok.string not in mapping:
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if before is not None and before.string == '.':
            continue
        if depth > 0 and after is not None and after.string == '=':
            continue
        edits.append((tok.start[0], tok.start[1], tok.string, mapping[tok.string]))
    for row, col, old, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old):]
    return ''.join(lines)


def _names_in(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _swap_independent_lines(text, rng):
    """Swap some adjacent one-line statements that neither read nor write each other's names."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    protected = {i for i, line in enumerate(lines)
                 if line.strip() in (markers.START_MARKER, markers.END_MARKER)}
    swaps = []
    for node in ast.walk(tree):
        body = getattr(node, 'body', None)
        if not isinstance(body, list):
            continue
        for first, second in zip(body, body[1:]):
            if not all(isinstance(s, (ast.Assign, ast.AugAssign, ast.Expr)) for s in (first, second)):
                continue
            if first.lineno != first.end_lineno or second.lineno != second.end_lineno:
                continue
            if second.lineno != first.lineno + 1 or {first.lineno - 1, second.lineno - 1} & protected:
                continue
            if 'random' in ast.unparse(first) and 'random' in ast.unparse(second):
                continue     # the order of random draws matters
            if _names_in(first) & _names_in(second) - {'np', 'self'}:
                continue
            if 'self' in _names_in(first) and 'self' in _names_in(second):
                continue
            swaps.append(first.lineno - 1)
    used = set()
    for row in swaps:
        if row in used or row + 1 in used or rng.random() < 0.2:
            continue
        indent_a = lines[row][:len(lines[row]) - len(lines[row].lstrip())]
        indent_b = lines[row + 1][:len(lines[row + 1]) - len(lines[row + 1].lstrip())]
        if indent_a != indent_b:
            continue
        lines[row], lines[row + 1] = lines[row + 1], lines[row]
        used.update((row, row + 1))
    return ''.join(lines)


def _change_comments(text, rng):
    """In the code regions: drop or reword comments, add a few new ones."""
    notes = ['# done', '# see lecture 4', '# vectorised', '# TODO check', '# works!']
    out = []
    inside = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped in (markers.START_MARKER, markers.END_MARKER):
            inside = stripped == markers.START_MARKER
            out.append(line)
            continue
        if not inside:
            out.append(line)
            continue
        if stripped.startswith('#'):
            continue
        code = re.sub(r'\s+#[^\'"]*$', '', line.rstrip('\n'))
        if code.strip() and not code.rstrip().endswith((':', ',', '(', '[', '{', '\\')) \
                and rng.random() < 0.2:
            code += '  ' + rng.choice(notes)
        out.append(code + '\n')
    return ''.join(out)

def disguised_copy(text, seed=0):
    """A copy of text with local names renamed, independent lines swapped, comments changed."""
    rng = random.Random(seed)
    template_names = set(re.findall(r'[A-Za-z_]\w*', stub_text()))
    candidates = sorted(name for name in _stored_names(ast.parse(text))
                        if name not in template_names and not keyword.iskeyword(name))
    mapping = {name: 'my_%s_%d' % (name.lower().strip('_') or 'v', rng.randrange(10))
               for name in candidates}
    copied = _rename(text, mapping)
    copied = _swap_independent_lines(copied, rng)
    copied = _change_comments(copied, rng)
    compile(copied, 'copy', 'exec')
    return copied


# ------------------------------------------------------------------ a whole class

SCRIPT = '<script>alert(1)</script>'
HOSTILE_NAME = 'x<script>alert(1)'     # a folder name cannot hold '/'


COPIED = ('student03', 'student11', 'student17', 'student22')


def class_sources(copies=COPIED):
    """The files of the report's test class: ({name: text}, what was planted).

    What was planted is a dict: 'independent' (names of the synthetic
    students and the corpus files: none is a planted copy, but corpus files
    of one family share a base text, see tests/corpus_families.py), 'copies'
    ({copy name: name of the student copied}), 'mistakes' ({name: mistake}),
    'broken' (names that cannot be graded to the end; no_file has no file,
    so it is not in the texts).
    """
    students = independent_students()
    sources = {name: text for name, (text, _mistake) in students.items()}
    sources.update(corpus_students())
    files = dict(sources)
    planted = {}
    for seed, original in enumerate(copies):
        planted['copy%d_%s' % (seed, original)] = original
        files['copy%d_%s' % (seed, original)] = disguised_copy(sources[original], seed=seed)
    stub = stub_text()
    files['untouched_stub'] = stub
    files['endless_loop'] = stub.replace(
        'import numpy as np\n', 'import numpy as np\nwhile True:\n    pass\n', 1)
    files['python2_print'] = stub.replace(
        'import numpy as np\n', 'import numpy as np\nprint "hello"\n', 1)
    files[HOSTILE_NAME] = stub.replace(
        'import numpy as np\n', 'import numpy as np\nraise RuntimeError(%r)\n' % SCRIPT, 1)
    return files, {'independent': sorted(sources), 'copies': planted,
                   'mistakes': {n: m for n, (_t, m) in students.items() if m},
                   'broken': ['endless_loop', 'python2_print', HOSTILE_NAME, 'no_file']}


def write_class(folder, copies=COPIED):
    """Write the class of class_sources() into folder, plus no_file; returns what was planted."""
    files, planted = class_sources(copies)
    for name, text in files.items():
        os.makedirs(os.path.join(folder, name), exist_ok=True)
        with open(os.path.join(folder, name, STUDENT_FILE), 'w', encoding='utf-8') as handle:
            handle.write(text)
    os.makedirs(os.path.join(folder, 'no_file'), exist_ok=True)
    with open(os.path.join(folder, 'no_file', 'notes.txt'), 'w') as handle:
        handle.write('forgot the file')
    return planted
