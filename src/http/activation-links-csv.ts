import { createLinkSecret, linkLifetimeMs, linkUrl } from "../auth/account-links";
import { canGiveRole, type Viewer } from "../auth/permissions";
import { listActivationCandidates, saveAccountLinks, type CreatingImport } from "../db/account-links";
import type { Db } from "../db/client";
import { listRoles } from "../db/roles";
import { bom, toCsv } from "../imports/report-csv";

/** Users per pull: one read and one write of D1, and a few hundred kilobytes of CSV. */
const pageSize = 1_000;

const header = ["employee_number", "first_name", "last_name", "email", "activation_link", "expires_at"];

/**
 * A new activation link for every active user an import created who still has no password
 * (and whose role is within the viewer's), as CSV: each replaces the link the user had. Made a
 * page at a time as the download is read, each page's links stored before its lines are sent,
 * so a hundred thousand users never sit in memory and a link in the file always works. Cells are
 * formula-safe (toCsv), as every download is.
 */
export function activationLinksCsv(
  db: Db,
  env: Pick<Env, "ACCOUNT_LINK_DAYS">,
  origin: string,
  viewer: Viewer,
  imp: CreatingImport,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const expiresAt = new Date(Date.now() + linkLifetimeMs(env));
  let roleIds: number[] | null = null;
  let afterId = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (roleIds === null) {
        roleIds = (await listRoles(db)).filter((r) => canGiveRole(viewer, r)).map((r) => r.id);
        controller.enqueue(encoder.encode(bom + toCsv([header])));
        return;
      }
      const page = await listActivationCandidates(db, imp, roleIds, afterId, pageSize);
      if (page.length === 0) {
        controller.close();
        return;
      }
      const links = await Promise.all(page.map(async (user) => ({ user, ...(await createLinkSecret()) })));
      await saveAccountLinks(
        db,
        links.map(({ user, tokenHash }) => ({ userId: user.id, tokenHash })),
        { kind: "activation", createdBy: viewer.id, expiresAt },
      );
      const expires = expiresAt.toISOString();
      controller.enqueue(
        encoder.encode(
          toCsv(
            links.map(({ user, secret }) => [
              user.employeeNumber,
              user.firstName,
              user.lastName,
              user.email,
              linkUrl(origin, secret),
              expires,
            ]),
          ),
        ),
      );
      afterId = page.at(-1)?.id ?? afterId;
    },
  });
}
