import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { CommandError } from "./command-error.ts";

export { CommandError };

/** Reads a script's options; an unknown or malformed one is a usage error that shows the right form. */
export function readOptions<T extends ParseArgsOptionsConfig>(options: T, usage: string) {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const reason = err instanceof Error ? (err.message.split(". ")[0] ?? err.message) : String(err);
    throw new CommandError(`${reason}. Usage: ${usage}`, 2);
  }
}

/**
 * Runs a script. Whatever stops it, expected or not, is one line on stderr and a non-zero exit
 * code: a person at a terminal needs what went wrong and what to do, not a stack trace.
 */
export async function runCommand(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof CommandError) {
      console.error(err.message);
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`Stopped by an unexpected error: ${message.split("\n")[0]}`);
    process.exitCode = 1;
  }
}
