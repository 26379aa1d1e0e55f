"""A two-layer fully connected neural network: the part of the assignment you write.

Architecture::

    input (D) -> fully connected -> ReLU -> fully connected -> softmax (C)

The network is trained with a softmax cross-entropy loss plus L2 regularisation
on the two weight matrices (not on the biases), by minibatch stochastic gradient
descent with a learning rate that decays once per epoch.

Write your code only between the START / END marker lines; leave the marker
lines themselves exactly as they are (the grader looks for them).
"""
import numpy as np


class TwoLayerNet(object):

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        # TODO: fill self.params with W1 (D, H), b1 (H,), W2 (H, C) and
        # b2 (C,): weights std * np.random.randn(...), drawn W1 first and W2
        # second; biases zeros.
        self.params = {}
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        self.params['W1'] = np.random.randn(input_size, hidden_size) * std
        self.params['b1'] = np.zeros((hidden_size,))
        self.params['W2'] = np.random.randn(hidden_size, output_size) * std
        self.params['b2'] = np.zeros((output_size,))
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape

        # Forward pass.
        # TODO: compute the class scores for X, shape (N, C): a fully
        # connected layer, a ReLU, then a second fully connected layer.
        # Keep the intermediate values you need for the backward pass.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        if y is None:
            return scores

        # Loss.
        # TODO: compute the mean softmax cross-entropy loss over the N samples
        # and add reg * (sum(W1**2) + sum(W2**2)). Subtract each row's maximum
        # score before exponentiating so large scores do not overflow.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= np.sum(probs, axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[:, y]))
        loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # Backward pass.
        # TODO: compute the gradient of the loss with respect to W1, b1, W2
        # and b2 and store them in grads['W1'], grads['b1'], ... Remember the
        # L2 term: d/dW of reg * sum(W**2) is 2 * reg * W.
        grads = {}
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        dscores = probs
        dscores[range(N), y] -= 1
        dscores /= N
        grads['W2'] = np.dot(hidden.T, dscores) + 2 * reg * W2
        grads['b2'] = np.sum(dscores, axis=0)
        dhidden = np.dot(dscores, W2.T) * (hidden > 0)
        grads['W1'] = np.dot(X.T, dhidden) + 2 * reg * W1
        grads['b1'] = np.sum(dhidden, axis=0)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        return loss, grads

    def train(self, X, y, X_val, y_val,
              learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100,
              batch_size=200, verbose=False):
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train / batch_size, 1)

        loss_history = []
        train_acc_history = []
        val_acc_history = []

        for it in range(num_iters):
            # TODO: sample a minibatch of batch_size samples, with
            # replacement, into X_batch (batch_size, D) and y_batch
            # (batch_size,). Use np.random.choice(num_train, batch_size).
            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            idx = np.random.choice(num_train, batch_size)
            X_batch = X[idx]
            y_batch = y[idx]
            # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)

            # TODO: update every parameter in self.params with one step of
            # gradient descent, using the gradients in grads.
            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            for k in self.params:
                self.params[k] -= learning_rate * grads[k]
            # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

            if verbose and it % 100 == 0:
                print('iteration %d / %d: loss %f' % (it, num_iters, loss))

            # Once per epoch: record accuracies and decay the learning rate.
            if it % iterations_per_epoch == 0:
                train_acc = (self.predict(X_batch) == y_batch).mean()
                val_acc = (self.predict(X_val) == y_val).mean()
                train_acc_history.append(train_acc)
                val_acc_history.append(val_acc)
                learning_rate *= learning_rate_decay

        return {
            'loss_history': loss_history,
            'train_acc_history': train_acc_history,
            'val_acc_history': val_acc_history,
        }

    def predict(self, X):
        # TODO: compute the scores and return the index of the highest score
        # in each row.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        y_pred = np.argmax(self.loss(X), 1)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return y_pred
