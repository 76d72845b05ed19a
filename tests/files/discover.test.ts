import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { type DiscoverOptions, discoverFiles } from "../../src/files/discover.js";
import { cleanupTempDirs, tempDir, writeTree } from "./helpers.js";

after(cleanupTempDirs);

const DEFAULT_EXCLUDE = ["**/alembic/**", "**/migrations/**"];

function discover(root: string, overrides: Partial<DiscoverOptions> = {}) {
  return discoverFiles({
    root,
    paths: [root],
    include: ["."],
    exclude: DEFAULT_EXCLUDE,
    respectGitignore: true,
    ...overrides,
  });
}

function rels(root: string, overrides: Partial<DiscoverOptions> = {}): string[] {
  return discover(root, overrides).files.map((f) => f.rel);
}

describe("walking", () => {
  test("finds .py and .pyi files sorted by rel, with absolute paths", () => {
    const root = tempDir();
    writeTree(root, {
      "b.py": "",
      "a/z.pyi": "",
      "a/y.py": "",
      "notes.txt": "",
      "script.pyc": "",
      "B.py": "",
      ".hidden/h.py": "",
    });
    const result = discover(root);
    assert.deepEqual(
      result.files.map((f) => f.rel),
      [".hidden/h.py", "B.py", "a/y.py", "a/z.pyi", "b.py"],
    );
    assert.equal(result.files[2]?.abs, path.join(root, "a", "y.py"));
    assert.deepEqual(result.problems, []);
  });

  test("skips tool, cache and virtualenv folders", () => {
    const root = tempDir();
    const skipped = [
      ".git",
      "node_modules",
      "__pycache__",
      ".venv",
      "venv",
      ".tox",
      ".mypy_cache",
      ".ruff_cache",
      ".dbfence_cache",
      "lib/site-packages",
      "pkg/node_modules",
    ];
    const tree: Record<string, string> = { "keep.py": "", "pkg/keep2.py": "" };
    for (const dir of skipped) tree[`${dir}/x.py`] = "";
    // A virtualenv with an unusual name is recognised by its pyvenv.cfg.
    tree["envs/py312/pyvenv.cfg"] = "home = /usr/bin\n";
    tree["envs/py312/lib/mod.py"] = "";
    tree["envs/not_a_venv/mod.py"] = "";
    writeTree(root, tree);
    assert.deepEqual(rels(root), ["envs/not_a_venv/mod.py", "keep.py", "pkg/keep2.py"]);
  });

  test("deep trees are walked without recursion limits", () => {
    const root = tempDir();
    const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join("/");
    writeTree(root, { [`${deep}/leaf.py`]: "" });
    assert.deepEqual(rels(root), [`${deep}/leaf.py`]);
  });
});

describe(".gitignore", () => {
  test("nested files apply relative to their folder, deeper ones win", () => {
    const root = tempDir();
    writeTree(root, {
      ".gitignore": "# comment\nbuild/\n*.gen.py\ngenerated/\n",
      "sub/.gitignore": "!keep.gen.py\nlocal_*.py\n/top.py\n",
      "pkg/.gitignore": "!generated/\n",
      "a.gen.py": "",
      "build/x.py": "",
      "sub/build/y.py": "",
      "sub/keep.gen.py": "",
      "sub/other.gen.py": "",
      "sub/deep/local_y.py": "",
      "sub/top.py": "",
      "sub/inner/top.py": "",
      "other/local_x.py": "",
      "generated/g.py": "",
      "pkg/generated/g.py": "",
      "plain.py": "",
    });
    assert.deepEqual(rels(root), [
      "other/local_x.py", // sub/'s rule does not leak into a sibling
      "pkg/generated/g.py", // re-included by the deeper .gitignore
      "plain.py",
      "sub/inner/top.py", // "/top.py" is anchored to sub/
      "sub/keep.gen.py", // negation in the deeper file
    ]);
  });

  test("negation cannot re-include a file inside an ignored folder (git semantics)", () => {
    const root = tempDir();
    writeTree(root, {
      ".gitignore": "out/\n!out/keep.py\nlogs/*\n!logs/keep.py\n",
      "out/keep.py": "",
      "logs/keep.py": "",
      "logs/drop.py": "",
    });
    assert.deepEqual(rels(root), ["logs/keep.py"]);
  });

  test("a name starting with two dots is inside the project", () => {
    const root = tempDir();
    writeTree(root, {
      ".gitignore": "..odd.py\n",
      "..odd.py": "",
      "..kept.py": "",
    });
    assert.deepEqual(rels(root), ["..kept.py"]);
  });

  test("respectGitignore: false reads everything", () => {
    const root = tempDir();
    writeTree(root, { ".gitignore": "*.py\n", "a.py": "", "sub/b.py": "" });
    assert.deepEqual(rels(root), []);
    assert.deepEqual(rels(root, { respectGitignore: false }), ["a.py", "sub/b.py"]);
  });

  test(".git/info/exclude and the .gitignore of a repository above the project root", () => {
    const repo = tempDir();
    writeTree(repo, {
      ".git/info/exclude": "secret.py\n",
      ".gitignore": "legacy/\n",
      "backend/app.py": "",
      "backend/secret.py": "",
      "backend/legacy/old.py": "",
    });
    const root = path.join(repo, "backend");
    assert.deepEqual(rels(root), ["app.py"]);
  });
});

describe("exclude and include", () => {
  const tree = {
    "alembic/env.py": "",
    "app/migrations/0001_init.py": "",
    "app/models.py": "",
    "app/legacy/old.py": "",
    "legacy/older.py": "",
    "lib/app/util.py": "",
    "lib/helpers.py": "",
    "lib/helpers.pyi": "",
    "tests/test_models.py": "",
  };

  test("default exclude prunes alembic and migrations at any depth", () => {
    const root = tempDir();
    writeTree(root, tree);
    const files = rels(root);
    assert.ok(!files.includes("alembic/env.py"));
    assert.ok(!files.includes("app/migrations/0001_init.py"));
    assert.equal(files.length, 7);
  });

  test("a glob without a slash matches at any depth, a plain path or an anchored glob only from the root", () => {
    const root = tempDir();
    writeTree(root, tree);
    // `legacy` is a path without glob characters: the root's legacy/ (there is none), not app/legacy/.
    assert.deepEqual(
      rels(root, { exclude: ["legacy"] }).filter((r) => r.includes("legacy")),
      ["app/legacy/old.py"],
    );
    assert.deepEqual(
      rels(root, { exclude: ["**/legacy"] }).filter((r) => r.includes("legacy")),
      [],
    );
    assert.deepEqual(
      rels(root, { exclude: ["legac?"] }).filter((r) => r.includes("legacy")),
      [],
    );
    assert.deepEqual(
      rels(root, { exclude: ["legacy/**"] }).filter((r) => r.includes("legacy")),
      ["app/legacy/old.py"],
    );
    assert.deepEqual(
      rels(root, { exclude: ["/legacy"] }).filter((r) => r.includes("legacy")),
      ["app/legacy/old.py"],
    );
    assert.deepEqual(rels(root, { exclude: ["*.pyi", "tests"] }).length, 7);
    assert.deepEqual(rels(root, { exclude: ["app/*.py"] }).includes("app/models.py"), false);
    assert.deepEqual(rels(root, { exclude: ["app/*.py"] }).includes("app/legacy/old.py"), true);
  });

  test("an excluded folder is not read at all", () => {
    const root = tempDir();
    writeTree(root, { "keep.py": "", "vendor/x.py": "" });
    fs.symlinkSync(path.join(root, "vendor"), path.join(root, "vendor", "loop"));
    fs.symlinkSync(path.join(root, "vendor", "missing.py"), path.join(root, "vendor", "dead.py"));
    assert.deepEqual(discover(root, { exclude: ["vendor/"] }), {
      files: [{ abs: path.join(root, "keep.py"), rel: "keep.py" }],
      problems: [],
    });
  });

  test("include keeps files matching a glob or under a matching folder", () => {
    const root = tempDir();
    writeTree(root, tree);
    // A path without glob characters is the root's folder, not lib/app.
    assert.deepEqual(rels(root, { include: ["app"] }), ["app/legacy/old.py", "app/models.py"]);
    assert.deepEqual(rels(root, { include: ["**/app"] }), ["app/legacy/old.py", "app/models.py", "lib/app/util.py"]);
    assert.deepEqual(rels(root, { include: ["app/*.py"] }), ["app/models.py"]);
    assert.deepEqual(rels(root, { include: ["*.pyi"] }), ["lib/helpers.pyi"]);
    assert.deepEqual(rels(root, { include: ["lib/", "tests/**"] }), [
      "lib/app/util.py",
      "lib/helpers.py",
      "lib/helpers.pyi",
      "tests/test_models.py",
    ]);
  });
});

describe("explicit paths", () => {
  test("an explicit file skips .gitignore but not exclude, include or the extension filter", () => {
    const root = tempDir();
    writeTree(root, {
      ".gitignore": "ignored.py\n",
      "ignored.py": "",
      "app/migrations/0002.py": "",
      "README.md": "",
      "lib/x.py": "",
    });
    const p = (rel: string) => path.join(root, rel);
    const result = discover(root, {
      paths: [p("ignored.py"), p("app/migrations/0002.py"), p("README.md"), p("lib/x.py")],
    });
    assert.deepEqual(
      result.files.map((f) => f.rel),
      ["ignored.py", "lib/x.py"],
    );
    assert.deepEqual(rels(root, { paths: [p("lib/x.py")], include: ["app"] }), []);
  });

  test("explicit folders, files outside the root, missing paths, a file used as a folder", () => {
    const base = tempDir();
    writeTree(base, {
      "proj/.gitignore": "build/\n",
      "proj/app/a.py": "",
      "proj/app/build/b.py": "",
      "proj/build/gen.py": "",
      "proj/other/o.py": "",
      "shared/s.py": "",
    });
    const root = path.join(base, "proj");
    const result = discover(root, {
      paths: [
        path.join(root, "app"),
        path.join(root, "build"), // git-ignored, but named explicitly
        path.join(base, "shared", "s.py"),
        path.join(root, "nope.py"),
        path.join(root, "app", "a.py", "sub"),
      ],
    });
    assert.deepEqual(
      result.files.map((f) => f.rel),
      ["../shared/s.py", "app/a.py", "build/gen.py"],
    );
    assert.equal(result.files[0]?.abs, path.join(base, "shared", "s.py"));
    assert.deepEqual(result.problems, [
      {
        rel: "app/a.py/sub",
        message: "cannot read path: a component of the path is not a folder, skipped",
      },
      { rel: "nope.py", message: "no such file or folder" },
    ]);
  });

  test("an explicit folder is still subject to exclude", () => {
    const root = tempDir();
    writeTree(root, {
      "app/migrations/0001.py": "",
      "app/migrations/sub/x.py": "",
    });
    assert.deepEqual(rels(root, { paths: [path.join(root, "app/migrations/sub")] }), []);
  });

  test("the same file given twice (file and folder) is listed once", () => {
    const root = tempDir();
    writeTree(root, { "a.py": "" });
    assert.deepEqual(rels(root, { paths: [path.join(root, "a.py"), root, root] }), ["a.py"]);
  });
});
