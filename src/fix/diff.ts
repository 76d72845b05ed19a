/** `--diff-fixes`: what `--fix` would change, as a unified diff that `git apply` / `patch -p1` accept. */
import { createTwoFilesPatch } from "diff";
import type { FixedFile } from "./loop.js";

export function unifiedDiff(file: FixedFile): string {
  const patch = createTwoFilesPatch(`a/${file.rel}`, `b/${file.rel}`, file.before, file.after, undefined, undefined, {
    context: 3,
  });
  // jsdiff starts with a `====` separator line; a plain `---`/`+++` header is what other tools print.
  return patch.replace(/^=+\n/, "");
}

export function unifiedDiffs(files: readonly FixedFile[]): string {
  return files.map(unifiedDiff).join("");
}
