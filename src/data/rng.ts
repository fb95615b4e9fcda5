/**
 * Seeded pseudo-random number generator (sfc32) whose whole state is four
 * 32-bit integers, so a checkpoint can save it and a resumed run continues
 * the exact same sequence.
 */

/** Serialisable generator state: four unsigned 32-bit integers. */
export type RngState = number[];

const TWO_POW_32 = 4294967296;

/** splitmix32 step: spreads one seed into well-mixed state words. */
function splitmix32(x: number): [number, number] {
  const next = (x + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** A small, fast, deterministic PRNG (sfc32) with save/restore. */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** Seeds the generator; equal seeds give equal sequences. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    let s = (Math.trunc(seed) ^ Math.trunc(seed / TWO_POW_32)) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [ns, w] = splitmix32(s);
      s = ns;
      words.push(w);
    }
    this.setState(words);
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm up
  }

  /** Rebuilds a generator from state(); it continues exactly where that one was. */
  static fromState(s: RngState): Rng {
    if (!Array.isArray(s) || s.length !== 4 || s.some((v) => !Number.isInteger(v) || v < 0 || v >= TWO_POW_32)) {
      throw new RangeError('Rng state must be an array of four unsigned 32-bit integers');
    }
    const r = new Rng(0);
    r.setState(s);
    return r;
  }

  /** The current state (a copy, JSON-serialisable). */
  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  private setState(s: RngState): void {
    [this.a, this.b, this.c, this.d] = s.map((v) => v >>> 0);
  }

  /** Next raw unsigned 32-bit value (sfc32). */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32 (unbiased by rejection). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`Rng.int needs an integer n in [1, 2^32], got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return v % n;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Standard normal sample (Box–Muller; consumes two uniforms, no cached spare, so state() is complete). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
