from __future__ import print_function

import numpy as np
import matplotlib.pyplot as plt


class TwoLayerNet(object):
  """
  Fully connected network with one hidden layer, for classification.

  Shapes: inputs have D features, the hidden layer has H units, and there are
  C classes. Layer one is affine followed by a ReLU; layer two is affine and
  its outputs are the class scores, fed to a softmax loss. W1 and W2 get an L2
  penalty.
  """

  def __init__(self, input_size, hidden_size, output_size, std=1e-4):
    """
    Set up the parameters: small Gaussian weights, zero biases, all kept in
    the dictionary self.params:

    W1 -- (D, H) weights of the hidden layer
    b1 -- (H,) biases of the hidden layer
    W2 -- (H, C) weights of the output layer
    b2 -- (C,) biases of the output layer
    """
    self.params = {}
    self.params['W1'] = std * np.random.randn(input_size, hidden_size)
    self.params['b1'] = np.zeros(hidden_size)
    self.params['W2'] = std * np.random.randn(hidden_size, output_size)
    self.params['b2'] = np.zeros(output_size)

  def loss(self, X, y=None, reg=0.0):
    """
    Scores, or loss and gradients, of the network on a batch.

    Arguments:
    X   -- (N, D) array, one sample per row.
    y   -- (N,) integer labels in [0, C), or None to get the scores only.
    reg -- strength of the L2 penalty.

    Returns the (N, C) score matrix when y is None. Otherwise returns
    (loss, grads), where grads maps each key of self.params to the gradient
    of the loss with respect to that parameter.
    """
    # Unpack the parameters
    W1, b1 = self.params['W1'], self.params['b1']
    W2, b2 = self.params['W2'], self.params['b2']
    N, D = X.shape

    # Forward pass
    scores = None
    #############################################################################
    # TODO: Run the forward pass and store the class scores, an (N, C) array,  #
    # in the variable scores.                                                   #
    #############################################################################
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    #############################################################################
    #                            END OF YOUR CODE                               #
    #############################################################################

    # No labels: the caller only wants the scores
    if y is None:
      return scores

    # Loss
    loss = None
    #############################################################################
    # TODO: Compute the softmax data loss (averaged over the batch) plus the   #
    # L2 penalty on W1 and W2, as a single number in the variable loss.        #
    #############################################################################
    scores_shifted = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores_shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    data_loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    reg_loss = reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    loss = data_loss + reg_loss
    #############################################################################
    #                            END OF YOUR CODE                               #
    #############################################################################

    # Backward pass
    grads = {}
    #############################################################################
    # TODO: Backpropagate. Put the gradient of each parameter in grads under   #
    # the same key, with the same shape as the parameter.                      #
    #############################################################################
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N

    grads['W2'] = hidden.T.dot(dscores) + 2 * reg * W2
    grads['b2'] = np.sum(dscores, axis=0)

    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0

    grads['W1'] = X.T.dot(dhidden) + 2 * reg * W1
    grads['b1'] = np.sum(dhidden, axis=0)
    #############################################################################
    #                            END OF YOUR CODE                               #
    #############################################################################

    return loss, grads

  def train(self, X, y, X_val, y_val,
            learning_rate=1e-3, learning_rate_decay=0.95,
            reg=5e-6, num_iters=100,
            batch_size=200, verbose=False):
    """
    Minibatch SGD.

    X, y         -- training samples (N, D) and labels (N,).
    X_val, y_val -- validation samples and labels.
    learning_rate, learning_rate_decay -- step size, and the factor applied to
      it after each epoch.
    reg          -- L2 strength.
    num_iters    -- number of updates.
    batch_size   -- samples per update.
    verbose      -- print the loss now and then.
    """
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train / batch_size, 1)

    # Histories to plot later
    loss_history = []
    train_acc_history = []
    val_acc_history = []

    for it in range(num_iters):
      X_batch = None
      y_batch = None

      #########################################################################
      # TODO: Draw a random minibatch of samples and their labels into       #
      # X_batch and y_batch.                                                  #
      #########################################################################
      batch_indices = np.random.choice(num_train, batch_size)
      X_batch = X[batch_indices]
      y_batch = y[batch_indices]
      #########################################################################
      #                          END OF YOUR CODE                             #
      #########################################################################

      # Loss and gradients on this minibatch
      loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
      loss_history.append(loss)

      #########################################################################
      # TODO: Take one gradient descent step on every parameter in           #
      # self.params.                                                          #
      #########################################################################
      self.params['W1'] -= learning_rate * grads['W1']
      self.params['b1'] -= learning_rate * grads['b1']
      self.params['W2'] -= learning_rate * grads['W2']
      self.params['b2'] -= learning_rate * grads['b2']
      #########################################################################
      #                          END OF YOUR CODE                             #
      #########################################################################

      if verbose and it % 100 == 0:
        print('iteration %d / %d: loss %f' % (it, num_iters, loss))

      # Once an epoch: accuracies, then a smaller learning rate
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
    """
    Label each row of X (N, D) with its highest-scoring class; returns an
    (N,) array of integers.
    """
    y_pred = None

    ###########################################################################
    # TODO: Implement this; a line or two is enough.                          #
    ###########################################################################
    y_pred = np.argmax(self.loss(X), axis=1)
    ###########################################################################
    #                            END OF YOUR CODE                             #
    ###########################################################################

    return y_pred
