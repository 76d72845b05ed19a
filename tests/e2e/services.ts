/**
 * Real services for the end-to-end test: a throwaway PostgreSQL cluster (initdb + pg_ctl on a free
 * loopback port, as the `postgres` user — or $DBFENCE_PG_USER — when the test runs as root) and child
 * processes that are always stopped — by the test's `after`, and by an exit hook if the test process
 * dies first.
 *
 * Nothing here skips: a missing prerequisite is an error that says `npm test` sets it up
 * (scripts/test-setup.mjs, which also tells the server binaries in $DBFENCE_PG_BIN).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

/** The example's interpreter: $DBFENCE_PYTHON, by default Debian's (the packages below install for it). */
export const PYTHON = process.env.DBFENCE_PYTHON || "/usr/bin/python3";
/** Debian's packages the example needs (they install for Debian's own /usr/bin/python3). */
export const DEBIAN_PACKAGES =
  "postgresql python3-fastapi python3-sqlalchemy python3-asyncpg python3-uvicorn python3-pytest python3-pytest-asyncio python3-httpx";
const PY_MODULES = "fastapi, sqlalchemy.ext.asyncio, asyncpg, uvicorn, pytest, pytest_asyncio, httpx";
const SETUP = "`npm test` sets them up (scripts/test-setup.mjs; as root it installs them with apt-get)";

export class MissingPrerequisite extends Error {
  constructor(what: string) {
    super(
      `${what}. The end-to-end test needs PostgreSQL and the example's Python packages (Debian's: ` +
        `${DEBIAN_PACKAGES}); ${SETUP}.`,
    );
  }
}

/** $DBFENCE_PG_BIN, else the newest PostgreSQL server binaries (Debian keeps them in /usr/lib/postgresql/<major>/bin). */
export function postgresBin(): string {
  const given = process.env.DBFENCE_PG_BIN;
  if (given) {
    if (!fs.existsSync(path.join(given, "initdb")))
      throw new MissingPrerequisite(`no initdb in DBFENCE_PG_BIN=${given}`);
    return given;
  }
  const base = "/usr/lib/postgresql";
  const majors = fs.existsSync(base)
    ? fs
        .readdirSync(base)
        .filter((v) => fs.existsSync(path.join(base, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new MissingPrerequisite(`no PostgreSQL server under ${base}/*/bin`);
  return path.join(base, majors[0] as string, "bin");
}

export function checkPython(): void {
  if (!fs.existsSync(PYTHON)) throw new MissingPrerequisite(`${PYTHON} does not exist`);
  const r = spawnSync(PYTHON, ["-c", `import ${PY_MODULES}`], { encoding: "utf8" });
  if (r.status !== 0) {
    const last = (r.stderr || r.error?.message || "").trim().split("\n").pop();
    throw new MissingPrerequisite(`${PYTHON} cannot import the example's packages (${last})`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;
/** Who runs the server when we are root (initdb and postgres refuse to run as root). */
const SERVER_USER = process.env.DBFENCE_PG_USER || "postgres";

/** Runs a PostgreSQL tool, as SERVER_USER when we are root. */
function pgTool(bin: string, args: string[], timeoutMs = 60_000): { status: number | null; output: string } {
  const [cmd, argv] = isRoot() ? ["runuser", ["-u", SERVER_USER, "--", bin, ...args]] : [bin, args];
  const r = spawnSync(cmd as string, argv as string[], { encoding: "utf8", timeout: timeoutMs });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

export interface Postgres {
  port: number;
  dir: string;
  /** Runs SQL as the superuser, one statement after another (stops at the first error). */
  sql(statements: string[], database?: string): Promise<void>;
  stop(): void;
}

/** initdb + pg_ctl start on 127.0.0.1:<free port>, trust authentication, in a temporary folder. */
export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  if (isRoot() && spawnSync("id", ["-u", SERVER_USER]).status !== 0) {
    throw new MissingPrerequisite(
      `there is no '${SERVER_USER}' user to run the server as (the postgresql package creates 'postgres'; or set DBFENCE_PG_USER)`,
    );
  }
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-e2e-pg-")));
  if (isRoot()) spawnSync("chown", [SERVER_USER, dir]);
  const data = path.join(dir, "data");
  const init = pgTool(path.join(bin, "initdb"), [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.output}`);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off`;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    pgTool(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], 30_000);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  onExit(stop);
  const start = pgTool(path.join(bin, "pg_ctl"), [
    "-D",
    data,
    "-o",
    options,
    "-l",
    path.join(dir, "log"),
    "-w",
    "-t",
    "60",
    "start",
  ]);
  if (start.status !== 0) {
    const log = fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "";
    stop();
    throw new Error(`pg_ctl start failed:\n${start.output}\n${log}`);
  }
  return {
    port,
    dir,
    stop,
    async sql(statements, database = "postgres") {
      const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database });
      await client.connect();
      try {
        for (const st of statements) await client.query(st);
      } finally {
        await client.end();
      }
    },
  };
}

/** A child process whose output is kept, stopped by `stop()` or at exit, whatever happened. */
export interface Service {
  child: ChildProcess;
  output(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function startService(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Service {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
  const chunks: string[] = [];
  child.stdout?.on("data", (b: Buffer) => chunks.push(b.toString("utf8")));
  child.stderr?.on("data", (b: Buffer) => chunks.push(b.toString("utf8")));
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.on("exit", () => {
      exited = true;
      resolve();
    });
    child.on("error", () => {
      exited = true;
      resolve();
    });
  });
  onExit(() => {
    if (!exited) child.kill("SIGKILL");
  });
  return {
    child,
    output: () => chunks.join(""),
    exited: () => exited,
    async stop(graceMs = 10_000) {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

const exitHooks: (() => void)[] = [];
let hooked = false;
/** Runs `fn` when the test process exits (also on an uncaught error), unless it ran already. */
function onExit(fn: () => void): void {
  exitHooks.push(fn);
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const h of exitHooks.splice(0)) {
      try {
        h();
      } catch {
        // best effort: the process is going away
      }
    }
  });
}
