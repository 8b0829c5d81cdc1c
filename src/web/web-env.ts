import type { AppEnv } from "../context";
import type { UploadForm } from "../http/read-upload-form";

/** What page routes see: the app's variables, plus an upload form the CSRF check has opened. */
export type WebEnv = AppEnv & { Variables: { upload: UploadForm | undefined } };
