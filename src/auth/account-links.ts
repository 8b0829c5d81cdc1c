import type { Db } from "../db/client";
import { listRoles } from "../db/roles";
import { findUsableLink, saveAccountLinks, useAccountLink, type UsableLink } from "../db/account-links";
import type { AccountLinkKind } from "../db/schema";
import type { UserView } from "../db/users";
import { hashPassword } from "./passwords";
import { canGiveRole, type Viewer } from "./permissions";
import { createSecret, hashSecret } from "./secrets";

/** Where a link leads: the page that sets the password, with the link's secret. */
export const setPasswordPath = "/set-password";

/** An activation or reset link as shown once: Roster keeps only its secret's hash. */
export type IssuedLink = { url: string; expiresAt: Date };

/** Why a link was not made: 403 for the viewer's rights, 409 for the user's state. */
export type LinkRefusal = {
  status: 403 | 409;
  code: "forbidden" | "has_password" | "no_password" | "user_deactivated";
  message: string;
};

/**
 * How long a link can be used, from ACCOUNT_LINK_DAYS (wrangler.toml): a positive number of days,
 * fractions allowed. A value that is not one is a deployment mistake, said as such.
 */
export function linkLifetimeMs(env: Pick<Env, "ACCOUNT_LINK_DAYS">): number {
  const days = Number(env.ACCOUNT_LINK_DAYS);
  if (!Number.isFinite(days) || days <= 0) {
    throw new Error(
      `ACCOUNT_LINK_DAYS is "${env.ACCOUNT_LINK_DAYS}": set it in wrangler.toml to a number of days, such as 7.`,
    );
  }
  return days * 86_400_000;
}

/** The link's address on this Roster. */
export const linkUrl = (origin: string, secret: string) => `${origin}${setPasswordPath}/${secret}`;

/** A new link's secret and the hash that is stored in its place. */
export async function createLinkSecret(): Promise<{ secret: string; tokenHash: string }> {
  const secret = createSecret("");
  return { secret, tokenHash: await hashSecret(secret) };
}

/** The kind of link a user needs: an activation link until they have a password, then a reset link. */
export const linkKindFor = (user: Pick<UserView, "hasPassword">): AccountLinkKind =>
  user.hasPassword ? "reset" : "activation";

/**
 * Why the viewer may not make a `kind` link for `user`, or null when they may: the user must be
 * active, have no password for an activation link and one for a reset link, and have a role
 * within the viewer's own (a link signs in as its user, so it must not lend more than the
 * viewer has).
 */
async function linkRefusal(db: Db, viewer: Viewer, user: UserView, kind: AccountLinkKind): Promise<LinkRefusal | null> {
  if (user.status !== "active") {
    return {
      status: 409,
      code: "user_deactivated",
      message: `${user.employeeNumber} is deactivated, and a deactivated user cannot use a link. Reactivate them first.`,
    };
  }
  if (kind === "activation" && user.hasPassword) {
    return {
      status: 409,
      code: "has_password",
      message: `${user.employeeNumber} already has a password: make a password reset link instead.`,
    };
  }
  if (kind === "reset" && !user.hasPassword) {
    return {
      status: 409,
      code: "no_password",
      message: `${user.employeeNumber} has no password yet: make an activation link instead.`,
    };
  }
  const role = (await listRoles(db)).find((r) => r.id === user.roleId);
  if (!role || !canGiveRole(viewer, role)) {
    return {
      status: 403,
      code: "forbidden",
      message: `Your role cannot make links for a user with the ${user.role} role: it allows more than yours does.`,
    };
  }
  return null;
}

/**
 * Makes an activation or password reset link for a user, for the viewer, replacing any link the
 * user had; nothing else changes until the link is used. Returns the link, or why not.
 */
export async function issueAccountLink(
  db: Db,
  env: Pick<Env, "ACCOUNT_LINK_DAYS">,
  origin: string,
  viewer: Viewer,
  user: UserView,
  kind: AccountLinkKind,
): Promise<{ link: IssuedLink } | { refused: LinkRefusal }> {
  const refused = await linkRefusal(db, viewer, user, kind);
  if (refused) return { refused };
  const expiresAt = new Date(Date.now() + linkLifetimeMs(env));
  const { secret, tokenHash } = await createLinkSecret();
  await saveAccountLinks(db, [{ userId: user.id, tokenHash }], { kind, createdBy: viewer.id, expiresAt });
  return { link: { url: linkUrl(origin, secret), expiresAt } };
}

/** The usable link a secret from an address names, or null: looked up by hash only. */
export async function readAccountLink(db: Db, secret: string, now: Date): Promise<UsableLink | null> {
  // Secrets are 43 URL-safe characters; anything else is no link, and costs no query.
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return findUsableLink(db, await hashSecret(secret), now);
}

/**
 * Sets the password a link was made for, ending the user's sessions and the link; null when the
 * link could no longer be used (used meanwhile, expired, replaced, the user deactivated).
 */
export async function redeemAccountLink(db: Db, secret: string, password: string, now: Date): Promise<number | null> {
  const passwordHash = await hashPassword(password);
  return useAccountLink(db, await hashSecret(secret), passwordHash, now);
}
