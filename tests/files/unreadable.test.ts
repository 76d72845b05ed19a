/**
 * An unreadable folder (EACCES) must become a problem entry while the walk goes on. Root ignores
 * permission bits, so as root the same walk runs in a child process with the uid of `nobody`; only if
 * the system refuses to switch users is the assertion skipped, with a message saying so.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { discoverFiles } from "../../src/files/discover.js";
import { cleanupTempDirs, tempDir, writeTree } from "./helpers.js";

after(cleanupTempDirs);

const NOBODY = 65534;
const discoverModule = fileURLToPath(new URL("../../src/files/discover.js", import.meta.url));

function makeProject(): string {
  const root = tempDir();
  writeTree(root, { "ok.py": "", "locked/secret.py": "", "z/after.py": "" });
  fs.chmodSync(path.join(root, "locked"), 0o000);
  return root;
}

const expected = {
  files: ["ok.py", "z/after.py"],
  problems: [
    {
      rel: "locked",
      message: "cannot read folder: permission denied, skipped",
    },
  ],
};

test("an unreadable folder is a problem and the walk continues", (t) => {
  const root = makeProject();
  const opts = {
    root,
    paths: [root],
    include: ["."],
    exclude: [],
    respectGitignore: true,
  };
  if (process.getuid?.() !== 0) {
    const result = discoverFiles(opts);
    assert.deepEqual({ files: result.files.map((f) => f.rel), problems: result.problems }, expected);
    return;
  }
  // Running as root: let `nobody` walk it. Every folder above `root` must be traversable by them.
  fs.chmodSync(root, 0o755);
  const script = [
    `import { discoverFiles } from ${JSON.stringify(`file://${discoverModule}`)};`,
    `const r = discoverFiles(${JSON.stringify(opts)});`,
    "console.log(JSON.stringify({ files: r.files.map((f) => f.rel), problems: r.problems }));",
  ].join("\n");
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    uid: NOBODY,
    gid: NOBODY,
    encoding: "utf8",
  });
  if (child.error !== undefined) {
    t.skip(`running as root and cannot switch to uid ${NOBODY} (${child.error.message}); EACCES not testable`);
    return;
  }
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), expected);
});
