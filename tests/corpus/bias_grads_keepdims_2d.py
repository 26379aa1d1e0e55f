import numpy as np


class TwoLayerNet(object):

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        self.params['W1'] = std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape

        # Forward pass.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        Z1 = X.dot(W1) + b1
        A1 = np.maximum(0, Z1)
        scores = A1.dot(W2) + b2
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        if y is None:
            return scores

        # Loss.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        S = scores - np.max(scores, axis=1, keepdims=True)
        P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
        loss = -np.sum(np.log(P[np.arange(N), y])) / N + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # Backward pass.
        grads = {}
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        dZ2 = P.copy()
        dZ2[np.arange(N), y] -= 1
        dZ2 /= N
        grads['W2'] = A1.T.dot(dZ2) + 2 * reg * W2
        grads['b2'] = np.sum(dZ2, axis=0, keepdims=True)
        dZ1 = dZ2.dot(W2.T) * (Z1 > 0)
        grads['W1'] = X.T.dot(dZ1) + 2 * reg * W1
        grads['b1'] = np.sum(dZ1, axis=0, keepdims=True)
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
            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            batch = np.random.choice(num_train, batch_size)
            X_batch = X[batch, :]
            y_batch = y[batch]
            # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)

            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            # the bias gradients came out (1, n), reshape so -= works
            for k in self.params:
                self.params[k] -= learning_rate * np.reshape(grads[k], self.params[k].shape)
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
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        y_pred = np.argmax(self.loss(X), axis=1)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return y_pred
