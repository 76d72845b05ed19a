#!/usr/bin/env node
/**
 * `npm test`: provision what the suite needs (scripts/test-setup.mjs: PostgreSQL, Chromium, Python
 * packages, pre-commit, Node 22), then build, lint and run every test with Node's test runner; whatever
 * happens, stop what the set-up started. Extra arguments go to `node --test` (e.g. a folder:
 * `npm test -- dist/tests/history/`).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { provision, ROOT } from "./test-setup.mjs";

const { env, stop } = await provision();
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(sig, () => {
    stop();
    process.exit(130);
  });
process.on("exit", stop);

/** Runs one step with the provisioned environment; resolves to its exit code. */
function step(title, cmd, args) {
  console.log(`== ${title}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", (e) => {
      console.error(`${title}: ${e.message}`);
      resolve(1);
    });
  });
}

const bin = (pkg, file) => path.join(ROOT, "node_modules", pkg, file);
const targets = process.argv.slice(2);
let code = await step("build (tsc)", process.execPath, [bin("typescript", "bin/tsc"), "-p", "tsconfig.json"]);
if (code === 0) code = await step("lint (biome)", process.execPath, [bin("@biomejs/biome", "bin/biome"), "check"]);
if (code === 0) code = await step("tests (node --test)", process.execPath, ["--test", ...(targets.length ? targets : ["dist/tests/"])]);
stop();
process.exit(code);
