import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireManageUsers, requireViewUsers } from "../auth/bearer";
import { verifyCsrf } from "../auth/csrf";
import { cleanText } from "../clean-text";
import { canManageUsers } from "../auth/permissions";
import { requireSession } from "../auth/sessions";
import {
  createLocation,
  findLocation,
  findLocationKeyClashes,
  listLocations,
  updateLocation,
  type LocationInput,
  type LocationView,
} from "../db/locations";
import type { Db } from "../db/client";
import { listKeyCollisions } from "../db/key-rebuilds";
import { layout } from "./layout";
import { emptyLocationForm, LocationEditPage, LocationsPage, type LocationForm } from "./locations-view";
import type { WebEnv } from "./web-env";

export const locationsApp = new Hono<WebEnv>();

locationsApp.use(requireSession, verifyCsrf, layout, requireViewUsers);

const text = (value: unknown) => (typeof value === "string" ? value : "");

async function readLocationForm(req: { parseBody: () => Promise<Record<string, unknown>> }): Promise<LocationForm> {
  const body = await req.parseBody();
  return { name: cleanText(text(body.name)), code: cleanText(text(body.code)), aliases: cleanText(text(body.aliases)) };
}

const toInput = (form: LocationForm): LocationInput => ({
  name: form.name,
  code: form.code || null,
  aliases: form.aliases.split(",").map(cleanText).filter(Boolean),
});

/** What stops a location being saved, in sentences: a missing name, or a name another location owns. */
async function checkLocation(db: Db, form: LocationForm, exceptId?: number): Promise<string[]> {
  if (!form.name) return ["Give the location a name."];
  if (form.name.length > 100 || form.code.length > 50)
    return ["Keep the name under 100 characters and the code under 50."];
  const input = toInput(form);
  const clashes = await findLocationKeyClashes(db, input, exceptId);
  return clashes.map(({ label, owner }) => {
    if (!owner)
      return `"${label}" is both this location's name and its code. Leave the code empty, or give it a code of its own.`;
    const what = owner.kind === "alias" ? "an alias" : `the ${owner.kind}`;
    return `"${label}" is already ${what} of ${owner.name}. An import must know which one location a value means, so use something else, or change ${owner.name} first.`;
  });
}

const toForm = (l: LocationView): LocationForm => ({ name: l.name, code: l.code ?? "", aliases: l.aliases.join(", ") });

async function requireLocation(db: Db, idParam: string): Promise<LocationView> {
  const id = Number(idParam);
  const location = Number.isInteger(id) ? await findLocation(db, id) : null;
  if (!location) throw new HTTPException(404, { message: "There is no such location." });
  return location;
}

locationsApp.get("/", async (c) => {
  const saved = c.req.query("saved");
  return c.render(
    <LocationsPage
      locations={await listLocations(c.var.db)}
      collisions={await listKeyCollisions(c.var.db, "location")}
      canManage={canManageUsers(c.var.viewer)}
      csrfToken={c.var.csrfToken}
      form={emptyLocationForm}
      errors={[]}
      notice={
        saved === "added" ? "The location was added." : saved === "edited" ? "The location was saved." : undefined
      }
    />,
    { title: "Locations" },
  );
});

locationsApp.post("/", requireManageUsers, async (c) => {
  const form = await readLocationForm(c.req);
  const errors = await checkLocation(c.var.db, form);
  if (errors.length) {
    c.status(422);
    return c.render(
      <LocationsPage
        locations={await listLocations(c.var.db)}
        collisions={await listKeyCollisions(c.var.db, "location")}
        canManage
        csrfToken={c.var.csrfToken}
        form={form}
        errors={errors}
      />,
      { title: "Locations" },
    );
  }
  await createLocation(c.var.db, toInput(form));
  return c.redirect("/locations?saved=added", 303);
});

locationsApp.get("/:id", requireManageUsers, async (c) => {
  const location = await requireLocation(c.var.db, c.req.param("id"));
  return c.render(
    <LocationEditPage location={location} form={toForm(location)} errors={[]} csrfToken={c.var.csrfToken} />,
    {
      title: `Edit ${location.name}`,
    },
  );
});

locationsApp.post("/:id", requireManageUsers, async (c) => {
  const location = await requireLocation(c.var.db, c.req.param("id"));
  const form = await readLocationForm(c.req);
  const errors = await checkLocation(c.var.db, form, location.id);
  if (errors.length) {
    c.status(422);
    return c.render(<LocationEditPage location={location} form={form} errors={errors} csrfToken={c.var.csrfToken} />, {
      title: `Edit ${location.name}`,
    });
  }
  await updateLocation(c.var.db, location.id, toInput(form));
  return c.redirect("/locations?saved=edited", 303);
});
