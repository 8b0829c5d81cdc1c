import { execFile } from "node:child_process";
import { resolve } from "node:path";

export const cli = resolve(import.meta.dirname, "../../bin/roster-import.mjs");

/** Runs the importer as a script would, its output a pipe, and gives its exit code and output. */
export function runImporter(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, ROSTER_URL: "", ROSTER_TOKEN: "" } },
      (err, stdout, stderr) => {
        done({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}
