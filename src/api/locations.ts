import { createRoute } from "@hono/zod-openapi";
import { requireManageUsers } from "../auth/bearer";
import { createLocation, findLocationKeyClashes, listLocations } from "../db/locations";
import { AppError } from "../errors";
import { createApiApp } from "./api-app";
import { presentLocation } from "./present";
import { errorResponse, invalidInput, jsonResponse, tokenResponses } from "./responses";
import { location, locationInput, locationList } from "./schemas";

export const locationsApi = createApiApp();

const list = createRoute({
  method: "get",
  path: "/",
  summary: "List locations with their ids",
  responses: { 200: jsonResponse("Every location.", locationList), ...tokenResponses },
});

locationsApi.openapi(list, async (c) => {
  const locations = await listLocations(c.var.db);
  return c.json({ locations: locations.map(presentLocation) }, 200);
});

const add = createRoute({
  method: "post",
  path: "/",
  summary: "Add a location",
  middleware: [requireManageUsers] as const,
  request: { body: { required: true, content: { "application/json": { schema: locationInput } } } },
  responses: {
    201: jsonResponse("The location.", location),
    ...invalidInput,
    409: errorResponse("`location_exists`: a name, code or alias given is already a location's, or repeats."),
    415: errorResponse("`unsupported_media_type`: send the body as `application/json`."),
    ...tokenResponses,
  },
});

locationsApi.openapi(add, async (c) => {
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
