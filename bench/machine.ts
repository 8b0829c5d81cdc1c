import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { createRequire } from "node:module";

export type Machine = {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  wrangler: string;
  workerd: string;
};

const packageVersion = (name: string) => {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
};

/** What the numbers were measured on, recorded beside them. */
export function describeMachine(): Machine {
  const model =
    /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  return {
    cpu: model,
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    wrangler: packageVersion("wrangler"),
    workerd: packageVersion("workerd"),
  };
}
