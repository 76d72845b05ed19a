import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { BROKEN_LINK_MESSAGE, discoverFiles, LOOP_MESSAGE } from "../../src/files/discover.js";
import { cleanupTempDirs, tempDir, writeTree } from "./helpers.js";

after(cleanupTempDirs);

function discover(root: string, paths: string[] = [root]) {
  return discoverFiles({
    root,
    paths,
    include: ["."],
    exclude: [],
    respectGitignore: true,
  });
}

const rels = (root: string) => discover(root).files.map((f) => f.rel);

describe("symbolic links", () => {
  test("a link to an ancestor folder is reported as a loop and skipped", () => {
    const root = tempDir();
    writeTree(root, { "a.py": "", "sub/b.py": "" });
    fs.symlinkSync(root, path.join(root, "loop"));
    fs.symlinkSync(root, path.join(root, "sub", "up"));
    const result = discover(root);
    assert.deepEqual(
      result.files.map((f) => f.rel),
      ["a.py", "sub/b.py"],
    );
    assert.deepEqual(result.problems, [
      { rel: "loop", message: LOOP_MESSAGE },
      { rel: "sub/up", message: LOOP_MESSAGE },
    ]);
  });

  test("links pointing at each other (ELOOP) are a loop problem too", () => {
    const root = tempDir();
    writeTree(root, { "a.py": "" });
    fs.symlinkSync(path.join(root, "ping"), path.join(root, "pong"));
    fs.symlinkSync(path.join(root, "pong"), path.join(root, "ping"));
    assert.deepEqual(discover(root).problems, [
      { rel: "ping", message: LOOP_MESSAGE },
      { rel: "pong", message: LOOP_MESSAGE },
    ]);
  });

  test("broken links that could be source are reported; others are not", () => {
    const root = tempDir();
    writeTree(root, { "a.py": "" });
    fs.symlinkSync(path.join(root, "missing.py"), path.join(root, "dead.py"));
    fs.symlinkSync(path.join(root, "missing-dir"), path.join(root, "pkg"));
    fs.symlinkSync(path.join(root, "missing.md"), path.join(root, "notes.md"));
    const result = discover(root);
    assert.deepEqual(
      result.files.map((f) => f.rel),
      ["a.py"],
    );
    assert.deepEqual(result.problems, [
      { rel: "dead.py", message: BROKEN_LINK_MESSAGE },
      { rel: "pkg", message: BROKEN_LINK_MESSAGE },
    ]);
    // A broken link named on the command line is a problem as well.
    assert.deepEqual(discover(root, [path.join(root, "dead.py")]).problems, [
      { rel: "dead.py", message: BROKEN_LINK_MESSAGE },
    ]);
  });

  test("files reached twice through links are listed once, under their link-free path", () => {
    const root = tempDir();
    writeTree(root, {
      "z_real/x.py": "",
      "z_real/inner/y.py": "",
      "solo/s.py": "",
    });
    // Sorted before the real folder, so a naive walk would meet the link first.
    fs.symlinkSync(path.join(root, "z_real"), path.join(root, "a_link"));
    fs.symlinkSync(path.join(root, "z_real", "x.py"), path.join(root, "b_alias.py"));
    // A link to a folder that has no other path is followed.
    const outside = tempDir();
    writeTree(outside, { "ext.py": "" });
    fs.symlinkSync(outside, path.join(root, "external"));
    assert.deepEqual(rels(root), ["external/ext.py", "solo/s.py", "z_real/inner/y.py", "z_real/x.py"]);
  });

  test("a file link to an otherwise unreached file is followed", () => {
    const root = tempDir();
    const outside = tempDir();
    writeTree(outside, { "lib.py": "" });
    fs.symlinkSync(path.join(outside, "lib.py"), path.join(root, "lib.py"));
    const result = discover(root);
    assert.deepEqual(result.files, [{ abs: path.join(root, "lib.py"), rel: "lib.py" }]);
  });
});
