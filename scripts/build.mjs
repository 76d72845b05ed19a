#!/usr/bin/env node
/**
 * The package's `prepare` script: builds dist/src from src/ in a source checkout (`npm ci`, `npm pack`,
 * installs from git, the pre-commit framework), and does nothing in an unpacked package (npm pack ships
 * dist/src but no src/, so there is nothing to build).
 *
 * It needs no devDependency to start: `npm install -g git+…` prepares the git checkout with an
 * `npm install` that inherits the global flag, so the devDependencies (TypeScript) never land in the
 * checkout and a plain `tsc` fails with "tsc: not found". Here, when TypeScript is missing, it is
 * installed into the checkout first (with the @types packages, at the versions package.json pins).
 *
 * Plain Node, no dependency. Prints nothing when all is well. (npm pack runs it quietly because the
 * repository's .npmrc sets foreground-scripts=false: the pre-commit framework reads npm pack's standard
 * output as the tarball's name.)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (!fs.existsSync(path.join(root, "src", "cli.ts"))) process.exit(0); // an installed package: built already

const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
if (!fs.existsSync(tsc)) {
  // The compiler and the type packages the build needs, at the versions package.json pins.
  const dev = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).devDependencies ?? {};
  const wanted = Object.entries(dev)
    .filter(([name]) => name === "typescript" || name.startsWith("@types/"))
    .map(([name, version]) => `${name}@${version}`);
  // A clean environment for the nested npm: not global, not --omit=dev, whatever the outer npm was told.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_(global|location|prefix|omit|production|only)$/i.test(k)),
  );
  const npm = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : [process.platform === "win32" ? "npm.cmd" : "npm", []];
  const r = spawnSync(
    npm[0],
    [...npm[1], "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--location=project", ...wanted],
    { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] },
  );
  if (r.status !== 0 || !fs.existsSync(tsc)) {
    console.error(`dbfence: could not install ${wanted.join(" ")} to build dist/ (npm exited ${r.status})`);
    process.exit(1);
  }
}
const built = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
process.exit(built.status ?? 1);

