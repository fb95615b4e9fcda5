/**
 * A functional model's forward pass with Keras's rule for frozen BatchNormalization: a BN layer whose `trainable`
 * is false runs in inference mode (moving statistics, not updated) even in a training-mode pass, as Keras 2.1+
 * runs it. tfjs-layers' own `model.apply(x, { training: true })` normalises a frozen BN with batch statistics and
 * updates its moving averages; this walk calls every layer itself with the right `training` flag instead.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Whether `layer` runs in inference mode in a training pass (a frozen BatchNormalization). */
export function inferenceOnly(layer: tfl.layers.Layer): boolean {
  return !layer.trainable && layer.getClassName() === 'BatchNormalization';
}

/** Whether any layer of `model` is frozen (trainable false). */
export function hasFrozenLayers(model: tfl.LayersModel): boolean {
  return model.layers.some((l) => !l.trainable && l.weights.length > 0);
}

/**
 * model(x) with `training`, frozen BNs in inference mode. For models without frozen layers this is
 * `model.apply(x, { training })`; otherwise the layers are applied one by one (single-input, single-output
 * functional models whose layers each have one inbound node: what the builders make).
 */
export function applyModel(model: tfl.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  if (!training || !model.layers.some(inferenceOnly)) return model.apply(x, { training }) as tf.Tensor;
  const out = new Map<string, tf.Tensor>();
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') {
      out.set(layer.name, x);
      continue;
    }
    const node = layer.inboundNodes[0];
    const ins = node.inboundLayers.map((l) => {
      const t = out.get(l.name);
      if (!t) throw new Error(`applyModel: layer ${layer.name} reads ${l.name} before it is computed`);
      return t;
    });
    const y = layer.apply(ins.length === 1 ? ins[0] : ins, { training: training && !inferenceOnly(layer) }) as tf.Tensor;
    out.set(layer.name, y);
  }
  return out.get(model.outputLayers[0].name)!;
}
