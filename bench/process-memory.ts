import { readdirSync, readFileSync } from "node:fs";

/** Memory of one process, in bytes, from /proc/<pid>/status. */
export type ProcessMemory = {
  pid: number;
  name: string;
  rss: number;
  peakRss: number;
  rssAnon: number;
  rssFile: number;
};

function readStatus(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
      return match?.[1] ? Number(match[1]) * 1024 : 0;
    };
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? "?";
    return {
      pid,
      name,
      rss: field("VmRSS"),
      peakRss: field("VmHWM"),
      rssAnon: field("RssAnon"),
      rssFile: field("RssFile") + field("RssShmem"),
    };
  } catch {
    // The process ended between listing /proc and reading it.
    return null;
  }
}

function parentOf(pid: number): number | null {
  try {
    // The name in field 2 may hold spaces or parentheses, so read after its closing one.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** Every living process under `root` (root included), with its memory. */
export function processTree(root: number): ProcessMemory[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    if (parent === null) continue;
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const found: ProcessMemory[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const memory = readStatus(pid);
    if (memory) found.push(memory);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The local runtime's share of a tree: workerd runs the Worker and Miniflare's D1, R2 and Queues. */
export const workerdOf = (tree: ProcessMemory[]) => tree.filter((p) => p.name === "workerd");

/** The runtime's memory at one moment, summed over its workerd processes: anonymous (heaps, caches) and file-backed. */
export function runtimeSnapshot(root: number): { rss: number; peakRss: number; rssAnon: number; rssFile: number } {
  const sum = (pick: (p: ProcessMemory) => number) =>
    workerdOf(processTree(root)).reduce((total, p) => total + pick(p), 0);
  return {
    rss: sum((p) => p.rss),
    peakRss: sum((p) => p.peakRss),
    rssAnon: sum((p) => p.rssAnon),
    rssFile: sum((p) => p.rssFile),
  };
}
