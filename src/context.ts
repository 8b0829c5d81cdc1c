import type { Viewer } from "./auth/permissions";
import type { Db } from "./db/client";

/** What every route sees: the bindings, the database client and the signed-in viewer. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    db: Db;
    viewer: Viewer;
    /** Set by the session middleware on pages: the token every form must send back. */
    csrfToken: string;
    /** Set by the API's rate limit: the bearer token's hash, which is also its key there. */
    tokenHash: string;
    /** Set by requireToken: the API token the request came with. */
    tokenId: number;
  };
};
