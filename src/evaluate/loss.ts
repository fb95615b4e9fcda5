/** Softmax cross-entropy computed from logits (log-softmax: no double softmax, no log(0)). */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean cross-entropy of `logits` [B, K] against integer labels `y` [B], with label smoothing ε:
 * target = (1 - ε)·onehot + ε/K.
 */
export function crossEntropyFromLogits(logits: tf.Tensor2D, y: tf.Tensor1D, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logp = tf.logSoftmax(logits); // [B, K]
    let target: tf.Tensor = tf.cast(tf.oneHot(y, k), 'float32'); // [B, K]
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / k);
    return tf.mean(tf.neg(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar; // []
  });
}

/** Number of rows whose arg-max equals the label. */
export function countCorrect(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.equal(tf.argMax(logits, 1), tf.cast(y, 'int32'))) as tf.Scalar); // []
}
