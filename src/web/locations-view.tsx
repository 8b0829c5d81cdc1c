import type { FC } from "hono/jsx";
import type { KeyCollisionView } from "../db/key-rebuilds";
import type { LocationView } from "../db/locations";
import { CsrfField, DataTable, Notice } from "./components";
import { KeyCollisionNotice } from "./key-collisions-view";

export type LocationForm = { name: string; code: string; aliases: string };

export const emptyLocationForm: LocationForm = { name: "", code: "", aliases: "" };

const LocationFields: FC<{ form: LocationForm; idPrefix: string }> = ({ form, idPrefix }) => (
  <>
    <div class="field">
      <label for={`${idPrefix}-name`}>Name</label>
      <input type="text" id={`${idPrefix}-name`} name="name" value={form.name} required maxlength={100} />
    </div>
    <div class="field">
      <label for={`${idPrefix}-code`}>Code</label>
      <span class="hint" id={`${idPrefix}-code-hint`}>
        Optional. A short code a file may use instead of the name, such as LDN-01.
      </span>
      <input
        type="text"
        id={`${idPrefix}-code`}
        name="code"
        value={form.code}
        maxlength={50}
        aria-describedby={`${idPrefix}-code-hint`}
      />
    </div>
    <div class="field">
      <label for={`${idPrefix}-aliases`}>Aliases</label>
      <span class="hint" id={`${idPrefix}-aliases-hint`}>
        Optional. Other names files use for this location, separated by commas: for London, say, London HQ, Head Office.
        One that repeats the name or code is left out.
      </span>
      <input
        type="text"
        id={`${idPrefix}-aliases`}
        name="aliases"
        value={form.aliases}
        maxlength={1000}
        aria-describedby={`${idPrefix}-aliases-hint`}
      />
    </div>
  </>
);

/** Why a location's names could not be saved. */
const ClashNotice: FC<{ errors: string[] }> = ({ errors }) => (
  <Notice kind="error" title="This location can't be saved yet.">
    <ul>
      {errors.map((e) => (
        <li>{e}</li>
      ))}
    </ul>
  </Notice>
);

export type LocationsPageProps = {
  locations: LocationView[];
  canManage: boolean;
  csrfToken: string;
  form: LocationForm;
  errors: string[];
  notice?: string;
  collisions: KeyCollisionView[];
};

/** Locations: the list, and a form to add one. */
export const LocationsPage: FC<LocationsPageProps> = ({
  locations,
  canManage,
  csrfToken,
  form,
  errors,
  notice,
  collisions,
}) => (
  <>
    <div class="page-head">
      <h1>Locations</h1>
    </div>
    <KeyCollisionNotice collisions={collisions} />
    <p class="lead">
      An import matches each user's location by a location's name, code or alias, ignoring upper and lower case.
    </p>
    {notice ? <Notice kind="success">{notice}</Notice> : null}
    <DataTable
      caption="Every location, by name"
      columns={["Name", "Code", "Aliases", ...(canManage ? [{ label: <span class="muted">Actions</span> }] : [])]}
      empty="No locations yet. Add the first one below."
      rows={locations.map((l) => (
        <tr>
          <th scope="row">{l.name}</th>
          <td>{l.code ?? <span class="muted">—</span>}</td>
          <td>{l.aliases.length ? l.aliases.join(", ") : <span class="muted">—</span>}</td>
          {canManage ? (
            <td>
              <a href={`/locations/${l.id}`} aria-label={`Edit ${l.name}`}>
                Edit
              </a>
            </td>
          ) : null}
        </tr>
      ))}
    />
    {canManage ? (
      <section class="card" aria-labelledby="add-heading">
        <h2 id="add-heading">Add a location</h2>
        {errors.length ? <ClashNotice errors={errors} /> : null}
        <form method="post" action="/locations">
          <CsrfField token={csrfToken} />
          <LocationFields form={form} idPrefix="new" />
          <div class="actions">
            <button type="submit">Add location</button>
          </div>
        </form>
      </section>
    ) : null}
  </>
);

/** Editing one location's name, code and aliases. */
export const LocationEditPage: FC<{
  location: LocationView;
  form: LocationForm;
  errors: string[];
  csrfToken: string;
}> = ({ location, form, errors, csrfToken }) => (
  <div class="narrow">
    <p class="small">
      <a href="/locations">Locations</a>
    </p>
    <h1>Edit {location.name}</h1>
    {errors.length ? <ClashNotice errors={errors} /> : null}
    <form class="card" method="post" action={`/locations/${location.id}`}>
      <CsrfField token={csrfToken} />
      <LocationFields form={form} idPrefix="edit" />
      <div class="actions">
        <button type="submit">Save location</button>
        <a href="/locations">Cancel</a>
      </div>
    </form>
  </div>
);
