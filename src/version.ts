import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** dbfence's version, from package.json (two folders up from dist/src/). */
export const VERSION: string = (require("../../package.json") as { version: string }).version;
