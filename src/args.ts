/** Small shared helpers for CLI commands: option parsing and value checks that throw OptionError. */
import { parseArgs, ParseArgsConfig } from 'node:util';
import { OptionError } from './errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode, with its errors turned into one-line OptionErrors. */
export function parseCommandArgs<O extends OptionSpec>(
  argv: string[], options: O, allowPositionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')
      .replace(/\s*To specify a positional argument.*$/, '');
    throw new OptionError(msg);
  }
}

export function parseNumber(flag: string, v: string | undefined, check?: (n: number) => boolean, what = 'a number'): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (check && !check(n))) {
    throw new OptionError(`--${flag} must be ${what}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export const positiveInt = (flag: string, v: string | undefined) =>
  parseNumber(flag, v, (n) => Number.isInteger(n) && n > 0, 'a positive integer');

export const positiveNumber = (flag: string, v: string | undefined) =>
  parseNumber(flag, v, (n) => n > 0, 'a positive number');

/** An integer in min..max (a size option: every one is bounded, so a typo is one line, not an allocation failure). */
export const intIn = (flag: string, v: string | undefined, min: number, max: number, why = '') =>
  parseNumber(flag, v, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer in ${min}..${max}${why}`);

/** A number in (0, max]. */
export const positiveUpTo = (flag: string, v: string | undefined, max: number, why = '') =>
  parseNumber(flag, v, (n) => n > 0 && n <= max, `a number in (0, ${max}]${why}`);

/** "224x224x3" → [224, 224, 3]. */
export function parseShape(flag: string, v: string | undefined): [number, number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = v.toLowerCase().split('x');
  const nums = parts.map(Number);
  if (parts.length !== 3 || nums.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new OptionError(`--${flag} must be HxWxC with positive integers (e.g. 224x224x3), got ${JSON.stringify(v)}`);
  }
  return nums as [number, number, number];
}

/** parseShape with each side at most `maxSide` and the channels at most `maxChannels`. */
export function parseBoundedShape(flag: string, v: string | undefined, maxSide: number, maxChannels: number): [number, number, number] | undefined {
  const shape = parseShape(flag, v);
  if (shape && (shape[0] > maxSide || shape[1] > maxSide || shape[2] > maxChannels)) {
    throw new OptionError(`--${flag} must be at most ${maxSide}x${maxSide}x${maxChannels}, got ${JSON.stringify(v)}`);
  }
  return shape;
}

export function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new OptionError(`--${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}
