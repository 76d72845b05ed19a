/** Real temporary folders for the discovery tests. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const created: string[] = [];

/** A fresh temporary folder; realpath'd so that /tmp symlinks (macOS) do not confuse assertions. */
export function tempDir(prefix = "dbfence-files-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

/** Writes `files` (posix paths relative to `root` → content) creating folders on the way. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split("/"));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** Removes every folder made by `tempDir`, restoring permissions first (chmod 000 tests). */
export function cleanupTempDirs(): void {
  for (const dir of created.splice(0)) {
    restorePermissions(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function restorePermissions(dir: string): void {
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    try {
      fs.chmodSync(current, 0o755);
      for (const e of fs.readdirSync(current, { withFileTypes: true })) {
        if (e.isDirectory()) stack.push(path.join(current, e.name));
      }
    } catch {
      // Best effort: rmSync with force reports anything that still cannot be removed.
    }
  }
}
