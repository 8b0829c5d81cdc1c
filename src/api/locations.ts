import { Hono } from "hono";
import { requireManageUsers } from "../auth/bearer";
import type { AppEnv } from "../context";
import { createLocation, findLocationKeyClashes, listLocations } from "../db/locations";
import { AppError } from "../errors";
import { presentLocation } from "./present";
import { locationInput } from "./schemas";
import { validate } from "./validate";

export const locationsApi = new Hono<AppEnv>();

locationsApi.get("/", async (c) => {
  const locations = await listLocations(c.var.db);
  return c.json({ locations: locations.map(presentLocation) });
});

locationsApi.post("/", requireManageUsers, validate("json", locationInput), async (c) => {
  const input = c.req.valid("json");
  const clashes = await findLocationKeyClashes(c.var.db, input);
  if (clashes.length) {
    throw new AppError(
      409,
      "location_exists",
      `These are already the name, code or alias of a location, or repeat: ${clashes.map((clash) => clash.label).join(", ")}. Every name, code and alias must point to one location.`,
    );
  }
  return c.json(presentLocation(await createLocation(c.var.db, input)), 201);
});
