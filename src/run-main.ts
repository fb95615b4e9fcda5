/**
 * The tail every entry point shares (the CLI, the bench scripts): run `main(argv)`, take the number it returns as the
 * exit code, and turn a thrown error into one line — `name: message` for a MobileNetError (with its exit code),
 * `name: internal error: message` (exit 1) for anything else, its stack only with MOBILENET_DEBUG set.
 */
import { MobileNetError } from './errors.js';

export function runMain(
  name: string,
  main: (argv: string[]) => Promise<number | void>,
  argv = process.argv.slice(2),
): Promise<void> {
  return main(argv).then(
    (code) => { if (typeof code === 'number') process.exitCode = code; },
    (e: unknown) => {
      if (e instanceof MobileNetError) {
        console.error(`${name}: ${e.message}`);
        process.exitCode = e.exitCode;
        return;
      }
      const err = e as Error;
      console.error(`${name}: internal error: ${err?.message ?? String(e)}`);
      if (process.env.MOBILENET_DEBUG) console.error(err?.stack);
      process.exitCode = 1;
    },
  );
}
