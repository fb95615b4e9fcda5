/**
 * Runs an int8 model (int8-ir.ts): on the native int8 plan (native/src/plan/int8.cc) when the addon has it, else
 * in the JS reference simulation (slow; says so in `notice`). The native plan gets the multipliers and lookup
 * tables computed by int8-arith.ts, so both paths round alike.
 */
import { loadNative, NativeAddon, PlanHandle } from '../backend/native.js';
import { addMultipliers, mulMultiplier, opTable, poolMultiplier, weightMultipliers } from './int8-arith.js';
import { Int8Model, Int8Op, isWeightOp, shapeSize } from './int8-ir.js';
import { dequantizeOutput, quantizeInput, referenceForward, softmaxRows } from './int8-reference.js';
import type { ModelRunner } from './runner.js';

const KIND: Record<Int8Op['kind'], number> = { conv: 0, depthwise: 1, dense: 2, add: 3, avgpool: 4, mul: 5, activation: 6 };

/** The description int8Create takes (see native/src/plan/int8_binding.cc). */
export function nativeDesc(m: Int8Model): object {
  const ops = m.ops.map((op) => {
    const base = { kind: KIND[op.kind], in: Int32Array.from(op.inputs), out: op.output, name: op.layers.join('+') };
    if (isWeightOp(op)) {
      return { ...base, k: op.kernel, stride: op.stride, pt: op.pad[0], pl: op.pad[1], pb: op.pad[2], pr: op.pad[3], mult: op.mult,
        w: op.weights, bias: op.bias, m: weightMultipliers(m, op), lo: op.clip[0], hi: op.clip[1] };
    }
    switch (op.kind) {
      case 'add': return { ...base, m: Float32Array.from(addMultipliers(m, op.inputs, op.output)), lo: op.clip[0], hi: op.clip[1] };
      case 'avgpool': {
        const [h, w] = m.tensors[op.inputs[0]].shape;
        return { ...base, m: Float32Array.of(poolMultiplier(m, op.inputs[0], op.output, h * w)) };
      }
      case 'mul': return { ...base, m: Float32Array.of(mulMultiplier(m, op.inputs, op.output)) };
      case 'activation':
        return { ...base, lut: opTable(m, op) };
    }
  });
  return {
    tensors: Int32Array.from(m.tensors.flatMap((t) => t.shape)), scales: Float32Array.from(m.tensors, (t) => t.scale),
    zeroPoints: Int32Array.from(m.tensors, (t) => t.zeroPoint), ops, output: m.output,
  };
}

/** An int8 model compiled into the native int8 plan. */
export class Int8Engine {
  private constructor(readonly model: Int8Model, private readonly addon: NativeAddon, private readonly h: PlanHandle) {}

  /** The plan, or why there is none (no addon, or one built without the int8 plan). */
  static compile(m: Int8Model): Int8Engine | { unsupported: string } {
    const { addon, error } = loadNative();
    if (!addon) return { unsupported: error ?? 'native addon unavailable' };
    if (typeof addon.int8Create !== 'function') return { unsupported: 'native addon built without the int8 plan (npm run build:native)' };
    try {
      return new Int8Engine(m, addon, addon.int8Create(nativeDesc(m)));
    } catch (e) {
      return { unsupported: (e as Error).message };
    }
  }

  get outputSize(): number { return shapeSize(this.model.tensors[this.model.output].shape); }

  /** Dequantized logits [n, K] of x [n, H, W, C] (no softmax). */
  logits(x: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n * this.outputSize);
    this.addon.int8Predict!(this.h, x, n, out);
    return out;
  }

  /** int8 logits [n, K] (what the reference's `referenceForward` returns). */
  logitsInt8(x: Float32Array, n: number): Int8Array {
    const out = new Int8Array(n * this.outputSize);
    this.addon.int8Predict!(this.h, x, n, out);
    return out;
  }

  /** Frees the executors' buffers. */
  trim(): void { this.addon.int8Trim?.(this.h); }
}

class Int8Runner implements ModelRunner {
  constructor(private readonly m: Int8Model, private readonly probabilities: boolean, private readonly engine?: Int8Engine,
    readonly notice?: string) {}
  get kind(): 'int8' | 'int8-reference' { return this.engine ? 'int8' : 'int8-reference'; }
  run(x: Float32Array, n: number): Float32Array {
    const y = this.engine ? this.engine.logits(x, n) : dequantizeOutput({ ...this.m, softmax: false }, referenceForward(this.m, quantizeInput(this.m, x), n).logits);
    if (this.probabilities) softmaxRows(y, this.m.tensors[this.m.output].shape[2]);
    return y;
  }
  refresh(): void {}
}

/**
 * A runner over int8 model `m`: logits, or probabilities when `probabilities` (the float model it replaces
 * ends in a softmax). Native plan when available (`native: false` forces the JS reference).
 */
export function int8Runner(m: Int8Model, o: { probabilities?: boolean; native?: boolean } = {}): ModelRunner {
  const e = o.native === false ? { unsupported: 'the JS reference was asked for' } : Int8Engine.compile(m);
  const probabilities = o.probabilities ?? m.softmax;
  if ('unsupported' in e) return new Int8Runner(m, probabilities, undefined, `int8: ${e.unsupported}; running the JS reference simulation (slow)`);
  return new Int8Runner(m, probabilities, e);
}
