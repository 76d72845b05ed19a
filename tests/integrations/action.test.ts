/**
 * The GitHub Action's entry (dist/src/action.js) as the runner starts it, and the files that publish
 * dbfence to other tools: action.yml, .pre-commit-hooks.yaml, package.json's `files` (what tests/install/
 * installs for real).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { readExpectations } from "../helpers/expectations.js";
import { EXAMPLES, tmpProject } from "../init/helpers.js";
import { compileDraft04, SARIF_SCHEMA_PATH } from "../reporters/ajv.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const ACTION = path.join(REPO, "dist", "src", "action.js");

interface ActionRun {
  status: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

/** A workspace holding the legacy example in `backend/`, and the action run on it. */
function runAction(inputs: Record<string, string>, project = "plant-backend-legacy"): ActionRun {
  const workspace = tmpProject({}, "dbfence-action-");
  // Not the example's own cache: other tests check the examples in place at the same time and write one.
  fs.cpSync(path.join(EXAMPLES, project), path.join(workspace, "backend"), {
    recursive: true,
    filter: (source) => path.basename(source) !== ".dbfence_cache",
  });
  const outputFile = path.join(workspace, "..", `${path.basename(workspace)}.out`);
  const summaryFile = path.join(workspace, "..", `${path.basename(workspace)}.summary`);
  const r = spawnSync(process.execPath, [ACTION], {
    cwd: workspace,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...inputs,
    },
  });
  const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "");
  const outputs = Object.fromEntries(
    read(outputFile)
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const run = { status: r.status, stdout: r.stdout, outputs, summary: read(summaryFile), workspace };
  fs.rmSync(outputFile, { force: true });
  fs.rmSync(summaryFile, { force: true });
  return run;
}

describe("the GitHub Action entry", () => {
  test("annotations and SARIF with paths from the repository root; fails on findings", () => {
    const run = runAction({ DBFENCE_PATH: "backend", DBFENCE_SARIF_FILE: "reports/dbfence.sarif" });
    assert.equal(run.status, 1);
    const expected = readExpectations(path.join(EXAMPLES, "plant-backend-legacy"));
    const annotations = run.stdout.split("\n").filter((l) => /^::(error|warning) /.test(l));
    const keys = annotations.map((a) => {
      const m = /file=backend\/([^,]+),line=(\d+),.*title=(DBF\d+)/.exec(a);
      return m ? `${m[1]}:${m[2]} ${m[3]}` : a;
    });
    assert.deepEqual(new Set(keys), new Set(expected.map((e) => `${e.path}:${e.line} ${e.code}`)));
    assert.ok(annotations.some((a) => a.startsWith("::warning file=backend/main.py,line=19,")));

    const sarif = JSON.parse(fs.readFileSync(path.join(run.workspace, "reports", "dbfence.sarif"), "utf8")) as {
      runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    const validate = compileDraft04(JSON.parse(fs.readFileSync(SARIF_SCHEMA_PATH, "utf8")));
    assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3)));
    const uris = (sarif.runs[0]?.results ?? []).map((r) => r.locations[0]?.physicalLocation.artifactLocation.uri ?? "");
    assert.equal(uris.length, annotations.length);
    assert.ok(uris.every((u) => u.startsWith("backend/")));

    assert.equal(run.outputs["sarif-file"], "reports/dbfence.sarif");
    assert.equal(run.outputs.findings, String(annotations.length));
    assert.equal(Number(run.outputs.errors) + Number(run.outputs.warnings), annotations.length);
    assert.match(run.summary, /^### dbfence\n/);
    assert.match(run.summary, /\| DBF104 \| raw-driver-import \| 1 \|/);
  });

  test("fail-on-findings: false reports without failing; a clean project passes", () => {
    const lenient = runAction({ DBFENCE_PATH: "backend", DBFENCE_FAIL_ON_FINDINGS: "false" });
    assert.equal(lenient.status, 0);
    assert.ok(fs.existsSync(path.join(lenient.workspace, "dbfence.sarif")));
    const clean = runAction({ DBFENCE_PATH: "backend" }, "plant-backend");
    assert.equal(clean.status, 0, clean.stdout);
    assert.equal(clean.outputs.findings, "0");
    assert.match(clean.summary, /No findings\./);
  });

  test("no cache unless the cache input turns it on: a cache in the workspace is neither read nor written", () => {
    const off = runAction({ DBFENCE_PATH: "backend" });
    assert.ok(!fs.existsSync(path.join(off.workspace, "backend", ".dbfence_cache")), "off by default");
    const on = runAction({ DBFENCE_PATH: "backend", DBFENCE_CACHE: "true", HOME: off.workspace });
    assert.ok(fs.existsSync(path.join(on.workspace, "backend", ".dbfence_cache")), "cache: true uses it");
    assert.equal(on.outputs.findings, off.outputs.findings);
  });

  test("check options pass through; a usage error fails the step with an annotation", () => {
    const selected = runAction({ DBFENCE_PATH: "backend", DBFENCE_ARGS: "--select DBF104" });
    assert.equal(selected.outputs.findings, "1");
    const broken = runAction({ DBFENCE_PATH: "backend", DBFENCE_ARGS: "--select NOPE" });
    assert.equal(broken.status, 2);
    assert.match(broken.stdout, /^::error title=dbfence::dbfence check exited 2/m);
  });
});

describe("publishing files", () => {
  const text = (rel: string): string => fs.readFileSync(path.join(REPO, rel), "utf8");

  test(".pre-commit-hooks.yaml declares the dbfence hook", () => {
    const hooks = text(".pre-commit-hooks.yaml");
    for (const line of ["- id: dbfence", "  entry: dbfence check", "  language: node", "  types: [python]"]) {
      assert.ok(hooks.split("\n").includes(line), line);
    }
  });

  test("action.yml runs the installed entry, which exists, and every input reaches it", () => {
    const action = text("action.yml");
    assert.match(action, /run: node "\$DBFENCE_PREFIX\/lib\/node_modules\/dbfence\/dist\/src\/action\.js"/);
    assert.ok(fs.existsSync(ACTION));
    for (const input of ["path", "config", "args", "sarif-file", "fail-on-findings", "cache"]) {
      assert.match(action, new RegExp(`^ {2}${input}:$`, "m"), input);
      assert.match(action, new RegExp(`\\$\\{\\{ inputs\\.${input} \\}\\}`), input);
    }
    assert.match(action, /node-version: 20/);
  });

  test("action.yml builds only on a cache miss, keyed on a hash of the source", () => {
    const action = text("action.yml");
    assert.match(action, /uses: actions\/cache@v4/);
    assert.match(action, /key: \$\{\{ steps\.source\.outputs\.key \}\}/);
    assert.match(action, /if: steps\.cache\.outputs\.cache-hit != 'true'/);
    // Everything the build reads is in the hash, so a changed source never restores a stale install.
    const hashed = /hash=\$\(find (.*?) -type f/.exec(action)?.[1]?.split(" ") ?? [];
    for (const f of [
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "scripts/build.mjs",
      "src",
    ])
      assert.ok(hashed.includes(f), f);
  });

  test("package.json `files` ships the built JavaScript and the build script, no .ts source or tests", () => {
    const pkg = JSON.parse(text("package.json")) as {
      files: string[];
      scripts: Record<string, string>;
      bin: Record<string, string>;
    };
    assert.deepEqual(pkg.files, ["dist/src/**/*.js", "scripts/build.mjs"]);
    assert.equal(pkg.scripts.prepare, "node scripts/build.mjs");
    assert.equal(pkg.scripts.install, undefined, "nothing runs when the package is installed");
    assert.equal(pkg.bin.dbfence, "dist/src/cli.js");
    // npm pack must print only the tarball's name (pre-commit reads it), without hiding npm's own errors.
    const npmrc = text(".npmrc")
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"));
    assert.deepEqual(npmrc, ["foreground-scripts=false"]);
  });
});
