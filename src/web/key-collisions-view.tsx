import type { FC } from "hono/jsx";
import type { KeyCollisionView } from "../db/key-rebuilds";
import { Notice } from "./components";
import { userHref } from "./users-view";

const fieldNames = {
  employee_number: "employee number",
  email: "email",
  name: "name",
  code: "code",
  alias: "alias",
} as const;

/**
 * The users or locations kept apart because their identifiers now match as one (look-alike
 * characters, invisible marks): Roster did not merge them, so an admin must decide.
 */
export const KeyCollisionNotice: FC<{ collisions: KeyCollisionView[] }> = ({ collisions }) => {
  if (collisions.length === 0) return null;
  const users = collisions[0]?.kind === "user";
  return (
    <Notice
      kind="warning"
      title={
        users
          ? "Some users' identifiers look the same as another user's."
          : "Some locations' names look the same as another location's."
      }
    >
      <p>
        Roster now matches identifiers that differ only by look-alike or invisible characters (a fullwidth letter, a
        soft hyphen, a direction mark) as one. Each pair below was stored apart before, and Roster kept them apart
        rather than merge them: imports now match only the second of each pair.{" "}
        {users
          ? "The first keeps its data, and signs in with its employee number exactly as written."
          : "Rename the first on its edit page, so each name, code and alias points to one location."}
      </p>
      <ul>
        {collisions.map((c) => (
          <li>
            {c.kind === "user" ? (
              <>
                <a href={userHref(c.kept.employeeNumber ?? "")}>{c.kept.employeeNumber}</a> ({c.kept.name}):{" "}
                {fieldNames[c.field]} “{c.kept.value}” matches{" "}
                <a href={userHref(c.holder.employeeNumber ?? "")}>{c.holder.employeeNumber}</a> ({c.holder.name}): “
                {c.holder.value}”
              </>
            ) : (
              <>
                <a href={`/locations/${c.kept.id}`}>{c.kept.name}</a>: {fieldNames[c.field]} “{c.kept.value}” matches{" "}
                <a href={`/locations/${c.holder.id}`}>{c.holder.name}</a>: “{c.holder.value}”
              </>
            )}
          </li>
        ))}
      </ul>
    </Notice>
  );
};
