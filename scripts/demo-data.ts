import { toKey } from "../src/db/keys.ts";
import { executeSql, sqlText, type Target } from "./lib/wrangler.ts";

export type SeedLocation = { name: string; code: string; aliases: string[] };

/** The locations of the help article's example and a few more, with codes and aliases. */
export const demoLocations: SeedLocation[] = [
  { name: "London", code: "LDN", aliases: ["London HQ"] },
  { name: "Manchester", code: "MAN", aliases: [] },
  { name: "Edinburgh", code: "EDI", aliases: ["Edinburgh Office"] },
  { name: "Bristol", code: "BRS", aliases: [] },
];

/** Adds the locations (the demo ones by default) that are not there yet; running it again changes nothing. */
export function seedLocations(target: Target, locations: SeedLocation[] = demoLocations): void {
  const statements = locations.flatMap((l) => {
    const exists = `EXISTS (SELECT 1 FROM location_keys WHERE key = ${sqlText(toKey(l.name))})`;
    const id = `(SELECT location_id FROM location_keys WHERE key = ${sqlText(toKey(l.name))})`;
    return [
      `INSERT INTO locations (name, code) SELECT ${sqlText(l.name)}, ${sqlText(l.code)} WHERE NOT ${exists};`,
      `INSERT OR IGNORE INTO location_keys (key, location_id, kind, label) VALUES (${sqlText(toKey(l.name))}, (SELECT max(id) FROM locations WHERE name = ${sqlText(l.name)}), 'name', ${sqlText(l.name)});`,
      `INSERT OR IGNORE INTO location_keys (key, location_id, kind, label) VALUES (${sqlText(toKey(l.code))}, ${id}, 'code', ${sqlText(l.code)});`,
      ...l.aliases.map(
        (a) => `INSERT OR IGNORE INTO location_keys (key, location_id, kind, label) VALUES (${sqlText(toKey(a))}, ${id}, 'alias', ${sqlText(a)});`,
      ),
    ];
  });
  executeSql(target, statements.join("\n"));
}
