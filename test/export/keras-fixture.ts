/**
 * A MobileNetV2 model.json as Keras 2 + tensorflowjs_converter write it, generated here layer by layer after
 * keras/applications/mobilenet_v2.py (Keras 2.x): stride-2 depthwise convolutions preceded by
 * `block_N_pad` ZeroPadding2D((0, 1), (0, 1)) and 'valid' padding, ReLU(6.), BN axis 3 — a model we did not
 * build — with uint8-quantized weights in the converter's manifest format. Also its Keras 3 rendering.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { quantizeWeights } from '../../src/format/quantize.js';

type Json = Record<string, unknown>;
interface KerasLayer { class_name: string; config: Json; name: string; inbound_nodes: unknown[] }

const init = (cls: string) => ({ class_name: cls, config: cls === 'GlorotUniform' ? { seed: null } : {} });
const divisible = (v: number, d = 8) => {
  let n = Math.max(d, Math.floor((v + d / 2) / d) * d);
  if (n < 0.9 * v) n += d;
  return n;
};

export interface Fixture { topology: Json; weights: Array<{ name: string; shape: number[] }> }

/** Keras 2 MobileNetV2 (alpha 1) topology and weight shapes for `size`×`size`×3 and `classes`. */
export function kerasV2Fixture(size = 224, classes = 5): Fixture {
  const layers: KerasLayer[] = [];
  const weights: Array<{ name: string; shape: number[] }> = [];
  const add = (class_name: string, name: string, config: Json, inputs: string[], w: Array<[string, number[]]> = []) => {
    layers.push({
      class_name, name, config: { name, trainable: true, dtype: 'float32', ...config },
      inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [],
    });
    for (const [n, shape] of w) weights.push({ name: `${name}/${n}`, shape });
    return name;
  };
  const conv = (name: string, input: string, cin: number, filters: number, k: number, s: number, padding: string) =>
    add('Conv2D', name, {
      filters, kernel_size: [k, k], strides: [s, s], padding, data_format: 'channels_last', dilation_rate: [1, 1], groups: 1,
      activation: 'linear', use_bias: false, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'),
      kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
    }, [input], [['kernel', [k, k, cin, filters]]]);
  const bn = (name: string, input: string, c: number) => add('BatchNormalization', name, {
    axis: 3, momentum: 0.999, epsilon: 0.001, center: true, scale: true, beta_initializer: init('Zeros'),
    gamma_initializer: init('Ones'), moving_mean_initializer: init('Zeros'), moving_variance_initializer: init('Ones'),
    beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
  }, [input], [['gamma', [c]], ['beta', [c]], ['moving_mean', [c]], ['moving_variance', [c]]]);
  const relu6 = (name: string, input: string) => add('ReLU', name, { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, [input]);
  const depthwise = (name: string, input: string, c: number, s: number) => add('DepthwiseConv2D', name, {
    kernel_size: [3, 3], strides: [s, s], padding: s === 1 ? 'same' : 'valid', data_format: 'channels_last', dilation_rate: [1, 1],
    groups: 1, activation: 'linear', use_bias: false, bias_initializer: init('Zeros'), bias_regularizer: null,
    activity_regularizer: null, bias_constraint: null, depth_multiplier: 1, depthwise_initializer: init('GlorotUniform'),
    depthwise_regularizer: null, depthwise_constraint: null,
  }, [input], [['depthwise_kernel', [3, 3, c, 1]]]);

  add('InputLayer', 'input_1', { batch_input_shape: [null, size, size, 3], sparse: false, ragged: false }, []);
  let x = relu6('Conv1_relu', bn('bn_Conv1', conv('Conv1', 'input_1', 3, 32, 3, 2, 'same'), 32));
  let c = 32;
  const table = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  let id = 0;
  for (const [t, ch, n, s] of table) {
    for (let i = 0; i < n; i++, id++) {
      const stride = i === 0 ? s : 1;
      const out = divisible(ch);
      const p = id === 0 ? 'expanded_conv_' : `block_${id}_`;
      const inp = x;
      let e = c;
      if (id !== 0) {
        e = t * c;
        x = relu6(`${p}expand_relu`, bn(`${p}expand_BN`, conv(`${p}expand`, x, c, e, 1, 1, 'same'), e));
      }
      if (stride === 2) x = add('ZeroPadding2D', `${p}pad`, { padding: [[0, 1], [0, 1]], data_format: 'channels_last' }, [x]);
      x = relu6(`${p}depthwise_relu`, bn(`${p}depthwise_BN`, depthwise(`${p}depthwise`, x, e, stride), e));
      x = bn(`${p}project_BN`, conv(`${p}project`, x, e, out, 1, 1, 'same'), out);
      if (c === out && stride === 1) x = add('Add', `${p}add`, {}, [inp, x]);
      c = out;
    }
  }
  x = relu6('out_relu', bn('Conv_1_bn', conv('Conv_1', x, c, 1280, 1, 1, 'valid'), 1280));
  x = add('GlobalAveragePooling2D', 'global_average_pooling2d', { data_format: 'channels_last', keepdims: false }, [x]);
  add('Dense', 'predictions', {
    units: classes, activation: 'softmax', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'),
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  }, [x], [['kernel', [1280, classes]], ['bias', [classes]]]);
  return {
    topology: {
      keras_version: '2.9.0', backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: { name: 'mobilenetv2_1.00_224', layers, input_layers: [['input_1', 0, 0]], output_layers: [['predictions', 0, 0]] },
      },
    },
    weights,
  };
}

/** The same model as Keras 3 serialises it (module/registered_name, DTypePolicy, args-style nodes, batch_shape). */
export function toKeras3(f: Fixture): Fixture {
  const mc = (f.topology.model_config as { config: { layers: KerasLayer[]; name: string } });
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const tensor = ([name, node, idx]: unknown[]) => ({
    class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: [name, node, idx] },
  });
  const layers = mc.config.layers.map((l) => {
    const config: Json = { ...l.config, dtype: policy };
    if (l.class_name === 'InputLayer') {
      config.batch_shape = config.batch_input_shape;
      delete config.batch_input_shape;
      config.dtype = 'float32';
    }
    const ins = (l.inbound_nodes[0] as unknown[][] | undefined) ?? [];
    return {
      module: 'keras.layers', class_name: l.class_name, config, registered_name: null, name: l.name,
      build_config: ins.length ? { input_shape: [null] } : undefined,
      inbound_nodes: ins.length ? [{ args: ins.length === 1 ? [tensor(ins[0])] : [ins.map(tensor)], kwargs: {} }] : [],
    };
  });
  return {
    topology: {
      module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
      config: { name: mc.config.name, trainable: true, layers, input_layers: ['input_1', 0, 0], output_layers: ['predictions', 0, 0] },
    },
    weights: f.weights,
  };
}

/** Writes model.json + a uint8-quantized group1-shard1of1.bin (values: a fixed ramp per weight) into dir. */
export async function writeFixture(dir: string, f: Fixture): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const parts: Uint8Array[] = [];
  const entries = f.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const q = quantizeWeights(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.1), 'uint8');
    parts.push(q.bytes);
    return { name: w.name, shape: w.shape, dtype: 'float32', quantization: q.quantization };
  });
  await fs.writeFile(path.join(dir, 'group1-shard1of1.bin'), Buffer.concat(parts));
  const json = {
    format: 'layers-model', generatedBy: 'keras v2.9.0', convertedBy: 'TensorFlow.js Converter v3.18.0',
    modelTopology: f.topology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: entries }],
  };
  const file = path.join(dir, 'model.json');
  await fs.writeFile(file, JSON.stringify(json));
  return file;
}
