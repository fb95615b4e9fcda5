/**
 * The tail every bench script shares: run `main(argv)`, take the number it returns as the exit code, and turn a
 * thrown error into one line — `name: message` for a MobileNetError (with its exit code), `name: internal error:
 * message` (exit 1) for anything else. Never a stack trace.
 */
import { MobileNetError } from '../errors.js';

export function runBenchScript(
  name: string,
  main: (argv: string[]) => Promise<number | void>,
  argv = process.argv.slice(2),
): Promise<void> {
  return main(argv).then(
    (code) => { if (typeof code === 'number') process.exitCode = code; },
    (e: unknown) => {
      const known = e instanceof MobileNetError;
      console.error(`${name}: ${known ? '' : 'internal error: '}${(e as Error)?.message ?? String(e)}`);
      process.exitCode = known ? e.exitCode : 1;
    },
  );
}
