/**
 * Typed errors thrown by the library. Only the CLI turns them into a one-line
 * message and an exit code; the library never calls process.exit.
 */
export class MobileNetError extends Error {
  /** Exit code the CLI uses for this error (2: bad usage/option, 1: runtime/data). */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A bad option or argument: the caller asked for something invalid. */
export class OptionError extends MobileNetError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A file or dataset that is missing, corrupt or of the wrong shape. */
export class DataError extends MobileNetError {
  constructor(message: string) {
    super(message, 1);
  }
}
