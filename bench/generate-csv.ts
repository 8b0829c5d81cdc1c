import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile, rename, stat, writeFile } from "node:fs/promises";

/** What a generated file holds, so the benchmark can check the import's counts against it. */
export type FileStats = {
  /** The generator's version: a file made by another is made again. */
  version: number;
  rows: number;
  bytes: number;
  /** Lines with a location no one has: each fails with unknown_location. */
  unknownLocation: number;
  /** Lines with a role no one has: imported as Standard with a warning. */
  unknownRole: number;
  /** Lines whose email is not an address: each fails with invalid_email. */
  invalidEmail: number;
  /** Lines giving a new user the Manager or Admin role: imported with a grants_admin_access warning. */
  grantsAdmin: number;
};

/** Version 2: an organisation's roles (2% Managers, 0.1% Admins), where version 1 made 40% of users admins. */
const generatorVersion = 2;

const header = "employee_number,first_name,last_name,location,email,role";
const firstNames = [
  "Olivia",
  "Amelia",
  "Isla",
  "Ava",
  "Noah",
  "Oliver",
  "George",
  "Arthur",
  "Leo",
  "Muhammad",
  "Freya",
  "Harry",
];
const lastNames = [
  "Smith",
  "Jones",
  "Taylor",
  "Brown",
  "Wilson",
  "Evans",
  "Thomas",
  "Roberts",
  "Walker",
  "Wright",
  "Khan",
  "Patel",
];
// Names and codes both, in mixed case, as exports from other systems write them.
const locations = [
  "London",
  "Manchester",
  "Edinburgh",
  "Bristol",
  "LDN",
  "MAN",
  "EDI",
  "BRS",
  "london",
  "Edinburgh Office",
];
/** Most people are Standard; a few manage, fewer administer. */
function pickRole(random: () => number): string {
  const r = random();
  return r < 0.001 ? "Admin" : r < 0.021 ? "Manager" : "Standard";
}

// Deterministic, so the same size always gives the same file and runs compare like for like.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(list: readonly T[], random: () => number): T => list[Math.floor(random() * list.length)] as T;

/**
 * Writes a template CSV of `rows` users, streaming a few hundred lines at a time and waiting
 * for the disk when the write buffer is full, so a 70 MB file never sits in memory. About 1%
 * of lines name an unknown location, 0.5% an unknown role and 0.2% carry a broken email; the
 * kinds never overlap, so the expected counts are exact. About 2% make a Manager or an Admin,
 * which the created import warns of (grants_admin_access).
 */
export async function generateCsv(path: string, rows: number, options: { renamed?: boolean } = {}): Promise<FileStats> {
  const random = mulberry32(rows);
  const stats: FileStats = {
    version: generatorVersion,
    rows,
    bytes: 0,
    unknownLocation: 0,
    unknownRole: 0,
    invalidEmail: 0,
    grantsAdmin: 0,
  };
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  let batch = `${header}\r\n`;
  for (let i = 1; i <= rows; i++) {
    const number = String(i).padStart(7, "0");
    const first = pick(firstNames, random);
    const last = pick(lastNames, random);
    let location = pick(locations, random);
    let email = `${first}.${last}.${number}@example.com`.toLowerCase();
    let role = pickRole(random);
    const flaw = random();
    if (flaw < 0.01) {
      location = "Paris";
      stats.unknownLocation++;
    } else if (flaw < 0.015) {
      role = "Contractor";
      stats.unknownRole++;
    } else if (flaw < 0.017) {
      email = `${first}.${last}.${number}-at-example.com`;
      stats.invalidEmail++;
    }
    if (flaw >= 0.017 && role !== "Standard") stats.grantsAdmin++;
    // The renamed file gives every user another first name and keeps the rest: each line updates.
    batch += `E${number},${options.renamed ? `${first}-Ann` : first},${last},${location},${email},${role}\r\n`;
    if (batch.length > 64 * 1024 || i === rows) {
      stats.bytes += Buffer.byteLength(batch);
      if (!out.write(batch)) await once(out, "drain");
      batch = "";
    }
  }
  out.end();
  await once(out, "finish");
  await rename(partial, path);
  await writeFile(`${path}.json`, JSON.stringify(stats, null, 2));
  return stats;
}

/** The file for this size, generated once and reused while its description is beside it. */
export async function ensureCsv(
  dir: string,
  rows: number,
  options: { renamed?: boolean } = {},
): Promise<{ path: string; stats: FileStats; generatedMs: number | null }> {
  const path = `${dir}/users-${rows}${options.renamed ? "-renamed" : ""}.csv`;
  try {
    const stats = JSON.parse(await readFile(`${path}.json`, "utf8")) as FileStats;
    if ((await stat(path)).size === stats.bytes && stats.rows === rows && stats.version === generatorVersion)
      return { path, stats, generatedMs: null };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const started = performance.now();
  const stats = await generateCsv(path, rows, options);
  return { path, stats, generatedMs: performance.now() - started };
}
