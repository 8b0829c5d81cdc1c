import type { Db } from "../src/db/client.ts";
import { createLocation, findLocationKeyClashes, type LocationInput } from "../src/db/locations.ts";
import type { AdminOutcome } from "../src/db/users.ts";
import { createAdmin } from "./lib/admins.ts";

/** The locations examples/users.csv names, by name, code and alias, and one more. */
export const demoLocations: LocationInput[] = [
  { name: "London", code: "LDN", aliases: ["London HQ"] },
  { name: "Manchester", code: "MAN", aliases: [] },
  { name: "Edinburgh", code: "EDI", aliases: ["Edinburgh Office"] },
  { name: "Bristol", code: "BRS", aliases: [] },
];

/**
 * The admin a local Roster starts with; its password is printed by npm start and in the README.
 * Its username is an employee number, as every user's is, and one examples/users.csv does not use.
 */
export const demoAdmin = {
  username: "1000",
  email: "admin@example.com",
  password: "roster-demo-admin",
  firstName: "Demo",
  lastName: "Admin",
};

/**
 * Adds each location whose name, code and aliases are all free, as the Locations page would, and
 * returns the names added: running it again adds nothing, and a location someone has since
 * edited is left as it is.
 */
export async function seedLocations(db: Db, locations: LocationInput[]): Promise<string[]> {
  const added: string[] = [];
  for (const location of locations) {
    if ((await findLocationKeyClashes(db, location)).length > 0) continue;
    added.push((await createLocation(db, location)).name);
  }
  return added;
}

/** What seeding the demo data did. */
export type DemoSeed = { locationsAdded: string[]; admin: AdminOutcome };

/** The demo locations and the demo admin, each added only when not there yet (npm start runs it every time). */
export async function seedDemoData(db: Db): Promise<DemoSeed> {
  const locationsAdded = await seedLocations(db, demoLocations);
  const admin = await createAdmin(db, demoAdmin, { keepExisting: true });
  return { locationsAdded, admin };
}
