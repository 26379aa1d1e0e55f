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
    """Two-layer fully connected classifier with a ReLU hidden layer.

    Parameters live in ``self.params``, a dict of numpy arrays:

    - ``W1``: first layer weights, shape (D, H)
    - ``b1``: first layer biases, shape (H,)
    - ``W2``: second layer weights, shape (H, C)
    - ``b2``: second layer biases, shape (C,)

    where D is the input dimension, H the hidden layer size and C the number
    of classes.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        """Initialise weights with small Gaussian values and biases with zeros.

        W1 is drawn before W2, each as ``std * np.random.randn(...)``, so that a
        seeded network is reproducible.

        Inputs:
        - input_size: the dimension D of the input data.
        - hidden_size: the number H of neurons in the hidden layer.
        - output_size: the number C of classes.
        - std: standard deviation of the initial weights.
        """
        # TODO: fill self.params with W1 (D, H), b1 (H,), W2 (H, C) and
        # b2 (C,): weights std * np.random.randn(...), drawn W1 first and W2
        # second; biases zeros.
        self.params = {}
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        self.params['W1'] = std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

    def loss(self, X, y=None, reg=0.0):
        """Compute class scores, or the loss and its gradients.

        Inputs:
        - X: input data, shape (N, D); row X[i] is one sample.
        - y: integer labels, shape (N,), each 0 <= y[i] < C; or None.
        - reg: L2 regularisation strength.

        Returns:
        If y is None: scores, shape (N, C), where scores[i, c] is the score of
        class c for sample X[i].

        Otherwise a tuple (loss, grads):
        - loss: float, the mean softmax cross-entropy loss over the N samples
          plus ``reg * (sum(W1**2) + sum(W2**2))``.
        - grads: dict with the same keys as self.params; grads[k] is the
          gradient of the loss with respect to self.params[k] (same shape).

        Do not modify X or y.
        """
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape

        # Forward pass.
        # TODO: compute the class scores for X, shape (N, C): a fully
        # connected layer, a ReLU, then a second fully connected layer.
        # Keep the intermediate values you need for the backward pass.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        # layer 1
        hidden_in = X.dot(W1) + b1
        hidden_out = np.maximum(0, hidden_in)
        # layer 2
        scores = hidden_out.dot(W2) + b2
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        if y is None:
            return scores

        # Loss.
        # TODO: compute the mean softmax cross-entropy loss over the N samples
        # and add reg * (sum(W1**2) + sum(W2**2)). Subtract each row's maximum
        # score before exponentiating so large scores do not overflow.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        stable = scores - np.max(scores, axis=1).reshape(N, 1)
        exps = np.exp(stable)
        softmax = exps / np.sum(exps, axis=1).reshape(N, 1)
        loss = -np.sum(np.log(softmax[np.arange(N), y])) / N
        loss += reg * np.sum(W1 * W1)
        loss += reg * np.sum(W2 * W2)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # Backward pass.
        # TODO: compute the gradient of the loss with respect to W1, b1, W2
        # and b2 and store them in grads['W1'], grads['b1'], ... Remember the
        # L2 term: d/dW of reg * sum(W**2) is 2 * reg * W.
        grads = {}
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        num_classes = len(set(y))
        onehot = np.zeros((N, num_classes))
        for i in range(N):
            onehot[i, y[i]] = 1
        dout = (softmax - onehot) / N
        grads['W2'] = hidden_out.T.dot(dout) + 2 * reg * W2
        grads['b2'] = dout.sum(axis=0)
        dhidden = dout.dot(W2.T)
        dhidden[hidden_in <= 0] = 0
        grads['W1'] = X.T.dot(dhidden) + 2 * reg * W1
        grads['b1'] = dhidden.sum(axis=0)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        return loss, grads

    def train(self, X, y, X_val, y_val,
              learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100,
              batch_size=200, verbose=False):
        """Train the network with minibatch stochastic gradient descent.

        Inputs:
        - X: training data, shape (N, D).
        - y: training labels, shape (N,), each 0 <= y[i] < C.
        - X_val: validation data, shape (N_val, D).
        - y_val: validation labels, shape (N_val,).
        - learning_rate: step size of each update.
        - learning_rate_decay: factor the learning rate is multiplied by
          after every epoch.
        - reg: L2 regularisation strength.
        - num_iters: number of update steps.
        - batch_size: number of training samples per step.
        - verbose: if True, print the loss every 100 iterations.

        Returns a dict with:
        - 'loss_history': list of num_iters floats, the minibatch loss at
          every iteration.
        - 'train_acc_history', 'val_acc_history': lists of floats, the
          accuracy on the current minibatch and on the validation set, taken
          at the end of every epoch.

        An epoch is max(N / batch_size, 1) iterations.
        """
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
            batch_idx = np.random.choice(num_train, batch_size)
            X_batch = X[batch_idx]
            y_batch = y[batch_idx]
            # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)

            # TODO: update every parameter in self.params with one step of
            # gradient descent, using the gradients in grads.
            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            for key in ['W1', 'b1', 'W2', 'b2']:
                self.params[key] -= learning_rate * grads[key]
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
        """Predict a label for each sample with the trained weights.

        Inputs:
        - X: data to classify, shape (N, D).

        Returns:
        - y_pred: integer labels, shape (N,); y_pred[i] is the class with the
          highest score for X[i].
        """
        # TODO: compute the scores and return the index of the highest score
        # in each row.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        y_pred = np.argmax(self.loss(X), axis=1)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return y_pred
