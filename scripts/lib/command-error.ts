/** A failure the person running a script can act on: printed as one line, without a stack trace. */
export class CommandError extends Error {
  readonly exitCode: number;

  /** `exitCode` 2 is for a command used wrongly (its usage), 1 for the rest. */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
