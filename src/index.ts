import { app } from "./app";
import type { ImportMessage } from "./imports/messages";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env, ImportMessage>;
