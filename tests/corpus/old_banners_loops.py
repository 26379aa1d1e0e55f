from __future__ import print_function

from builtins import range
from builtins import object
import numpy as np
import matplotlib.pyplot as plt
from past.builtins import xrange


class TwoLayerNet(object):
    """
    Two-layer net: affine -> ReLU -> affine -> softmax, with an L2 penalty on
    the weight matrices. D inputs, H hidden units, C classes.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        """
        Weights start as std-scaled Gaussian noise, biases at zero.
        self.params holds W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
        """
        self.params = {}
        self.params['W1'] = std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        """
        X: (N, D) samples. y: (N,) labels or None. reg: L2 strength.

        y is None  -> return the (N, C) scores.
        otherwise  -> return (loss, grads), grads keyed like self.params.
        """
        # Unpack variables from the params dictionary
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape

        # Compute the forward pass
        scores = None
        #######################################################################
        # TODO: forward pass. scores must be an (N, C) array.                #
        #######################################################################
        # *** my code starts here ***
        hidden = np.zeros((N, W1.shape[1]))
        scores = np.zeros((N, W2.shape[1]))
        for i in xrange(N):
            hidden[i] = np.maximum(0, X[i].dot(W1) + b1)
            scores[i] = hidden[i].dot(W2) + b2
        # *** my code ends here ***
        #######################################################################
        #                         END OF YOUR CODE                           #
        #######################################################################

        # If the targets are not given then jump out, we're done
        if y is None:
            return scores

        # Compute the loss
        loss = None
        #######################################################################
        # TODO: softmax loss averaged over the samples + reg * sum of the    #
        # squared weights (W1 and W2, no biases).                            #
        #######################################################################
        # *** my code starts here ***
        loss = 0.0
        probs = np.zeros_like(scores)
        for i in xrange(N):
            shifted = scores[i] - np.max(scores[i])
            exps = np.exp(shifted)
            probs[i] = exps / np.sum(exps)
            loss += -np.log(probs[i][y[i]])
        loss = loss / N
        loss = loss + reg * np.sum(W1 * W1) + reg * np.sum(W2 * W2)
        # *** my code ends here ***
        #######################################################################
        #                         END OF YOUR CODE                           #
        #######################################################################

        # Backward pass: compute gradients
        grads = {}
        #######################################################################
        # TODO: backward pass; grads['W1'] etc. have the shapes of the       #
        # parameters.                                                        #
        #######################################################################
        # *** my code starts here ***
        grads['W1'] = np.zeros_like(W1)
        grads['b1'] = np.zeros_like(b1)
        grads['W2'] = np.zeros_like(W2)
        grads['b2'] = np.zeros_like(b2)
        for i in xrange(N):
            dout = probs[i].copy()
            dout[y[i]] -= 1
            grads['W2'] += np.outer(hidden[i], dout)
            grads['b2'] += dout
            dhid = W2.dot(dout)
            dhid = dhid * (hidden[i] > 0)
            grads['W1'] += np.outer(X[i], dhid)
            grads['b1'] += dhid
        for k in grads:
            grads[k] /= N
        grads['W1'] += 2 * reg * W1
        grads['W2'] += 2 * reg * W2
        # *** my code ends here ***
        #######################################################################
        #                         END OF YOUR CODE                           #
        #######################################################################

        return loss, grads

    def train(self, X, y, X_val, y_val,
              learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100,
              batch_size=200, verbose=False):
        """
        SGD on minibatches; the learning rate is multiplied by
        learning_rate_decay after every epoch. Returns the loss history and
        the per-epoch train / validation accuracies.
        """
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train / batch_size, 1)

        # Use SGD to optimize the parameters in self.model
        loss_history = []
        train_acc_history = []
        val_acc_history = []

        for it in xrange(num_iters):
            X_batch = None
            y_batch = None

            ###################################################################
            # TODO: random minibatch (X_batch, y_batch).                      #
            ###################################################################
            # *** my code starts here ***
            rand_idx = np.random.choice(num_train, batch_size)
            X_batch = X[rand_idx]
            y_batch = y[rand_idx]
            # *** my code ends here ***
            ###################################################################
            #                       END OF YOUR CODE                          #
            ###################################################################

            # Compute loss and gradients using the current minibatch
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)

            ###################################################################
            # TODO: SGD update of self.params.                                #
            ###################################################################
            # *** my code starts here ***
            for param in self.params:
                self.params[param] -= learning_rate * grads[param]
            # *** my code ends here ***
            ###################################################################
            #                       END OF YOUR CODE                          #
            ###################################################################

            if verbose and it % 100 == 0:
                print('iteration %d / %d: loss %f' % (it, num_iters, loss))

            # Every epoch, check train and val accuracy and decay learning rate.
            if it % iterations_per_epoch == 0:
                # Check accuracy
                train_acc = (self.predict(X_batch) == y_batch).mean()
                val_acc = (self.predict(X_val) == y_val).mean()
                train_acc_history.append(train_acc)
                val_acc_history.append(val_acc)

                # Decay learning rate
                learning_rate *= learning_rate_decay

        return {
            'loss_history': loss_history,
            'train_acc_history': train_acc_history,
            'val_acc_history': val_acc_history,
        }

    def predict(self, X):
        """
        (N, D) -> (N,) predicted class indices.
        """
        y_pred = None

        #######################################################################
        # TODO: predictions.                                                 #
        #######################################################################
        # *** my code starts here ***
        scores = self.loss(X)
        y_pred = np.zeros(X.shape[0], dtype=int)
        for i in xrange(X.shape[0]):
            y_pred[i] = np.argmax(scores[i])
        # *** my code ends here ***
        #######################################################################
        #                         END OF YOUR CODE                           #
        #######################################################################

        return y_pred
