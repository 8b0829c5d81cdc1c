import { registerHooks } from "node:module";

// The app's modules import each other without file extensions, as the Worker's bundler and
// vitest resolve them. The scripts run the same modules in plain Node, which needs the file's
// name: a relative import that Node cannot find is tried again as a `.ts` file.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      const relative = specifier.startsWith("./") || specifier.startsWith("../");
      if (!relative || (err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});
