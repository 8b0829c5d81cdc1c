import { setTimeout as sleep } from "node:timers/promises";

/** A page or endpoint the load asks for, and how to ask. */
export type Target = { name: string; path: string; headers: Record<string, string> };

export type Percentiles = {
  name: string;
  calls: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
};

/**
 * Signs in through the sign-in form as a person would (its token is a double-submit cookie) and
 * returns the session cookie, for the report page.
 */
export async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${baseUrl}/sign-in`);
  const html = await form.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookie = form.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  if (!token) throw new Error("The sign-in page has no form token.");
  const response = await fetch(`${baseUrl}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, Origin: baseUrl },
    body: new URLSearchParams({ username, password, _csrf: token }),
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith("roster_session"));
  if (response.status !== 303 || !session) throw new Error(`Signing in answered ${response.status}.`);
  return session.split(";")[0] ?? "";
}

/** What the load asks for while an import runs: its report page (signed in), its status and its first lines. */
export function importPageTargets(id: string, cookie: string, token: string): Target[] {
  const auth = { Authorization: `Bearer ${token}` };
  return [
    { name: "report page", path: `/imports/${id}`, headers: { Cookie: cookie } },
    { name: "GET import", path: `/api/imports/${id}`, headers: auth },
    { name: "lines", path: `/api/imports/${id}/lines?limit=100`, headers: auth },
  ];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/**
 * `clients` concurrent clients, each asking for the targets in turn, one request after the
 * other, until `until()` says stop (or `maxMs` passes): the latency admins and scripts see
 * while an import runs. Bounded in time, loopback only.
 */
export function loadPages(baseUrl: string, targets: Target[], clients: number, maxMs: number) {
  const times = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const errors = new Map<string, number>(targets.map((t) => [t.name, 0]));
  let stopped = false;
  const deadline = performance.now() + maxMs;
  const client = async (offset: number) => {
    for (let i = offset; !stopped && performance.now() < deadline; i++) {
      const target = targets[i % targets.length];
      if (!target) return;
      const started = performance.now();
      try {
        const response = await fetch(`${baseUrl}${target.path}`, { headers: target.headers });
        await response.arrayBuffer();
        if (!response.ok) errors.set(target.name, (errors.get(target.name) ?? 0) + 1);
        else times.get(target.name)?.push(performance.now() - started);
      } catch {
        errors.set(target.name, (errors.get(target.name) ?? 0) + 1);
        await sleep(50);
      }
    }
  };
  const running = Array.from({ length: clients }, (_, i) => client(i));
  return {
    async stop(): Promise<Percentiles[]> {
      stopped = true;
      await Promise.all(running);
      return targets.map((t) => {
        const sorted = (times.get(t.name) ?? []).sort((a, b) => a - b);
        return {
          name: t.name,
          calls: sorted.length,
          errors: errors.get(t.name) ?? 0,
          p50Ms: percentile(sorted, 50),
          p90Ms: percentile(sorted, 90),
          p99Ms: percentile(sorted, 99),
          maxMs: sorted.at(-1) ?? 0,
        };
      });
    },
  };
}
