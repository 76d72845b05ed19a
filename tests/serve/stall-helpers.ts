/**
 * Sick stores for the stall tests, all real: an SQLite write lock held by another process, and a
 * PostgreSQL cluster of the test's own (tests/e2e/services.ts) frozen with SIGSTOP. Plus a /healthz
 * poller that records how long each answer took. Every loop is bounded; everything is undone in
 * `finally` blocks and, should the test process die first, at exit.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The worktree (dist/tests/serve/ → three levels up), where `better-sqlite3` resolves for the child. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const LOCKER = `
import Database from "better-sqlite3";
const db = new Database(process.env.LOCK_FILE, { timeout: 5000 });
db.exec("BEGIN EXCLUSIVE");
process.stdout.write("locked\\n");
const end = (code) => { try { db.exec("COMMIT"); db.close(); } finally { process.exit(code); } };
process.stdin.once("data", () => end(0));
setTimeout(() => end(3), 60_000);
`;

export interface Lock {
  release(): Promise<void>;
}

/** Another process opens `file` and holds BEGIN EXCLUSIVE until `release()` (at most 60 s). */
export async function lockSqlite(file: string): Promise<Lock> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--input-type=module", "-e", LOCKER], {
    cwd: ROOT,
    env: { ...process.env, LOCK_FILE: file },
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the locker did not lock ${file} in 10 s: ${err}`)), 10_000);
    child.stdout.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", (code) => reject(new Error(`the locker exited (${code}): ${err}`)));
  });
  return {
    async release() {
      if (child.exitCode === null) child.stdin.write("go\n");
      const timer = setTimeout(kill, 5000);
      await exited;
      clearTimeout(timer);
      process.removeListener("exit", kill);
    },
  };
}

/** The postmaster (first line of postmaster.pid) and every process it started. */
export function clusterPids(dataDir: string): number[] {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const pids = [postmaster];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

export interface Freeze {
  pids: number[];
  thaw(): void;
}

/** SIGSTOP on the cluster's processes; `thaw()` (also run at exit) sends SIGCONT. */
export function freeze(dataDir: string): Freeze {
  const pids = clusterPids(dataDir);
  let thawed = false;
  const thaw = () => {
    if (thawed) return;
    thawed = true;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // gone
      }
    }
    process.removeListener("exit", thaw);
  };
  // Registered before the cluster's own stop hook runs? Either way a stopped cluster is continued first.
  process.prependListener("exit", thaw);
  for (const pid of pids) process.kill(pid, "SIGSTOP");
  return { pids, thaw };
}

export interface Sample {
  ms: number;
  status: number | null;
}

/** GET /healthz every `everyMs` until stopped (at most 1,000 times), each with a 5 s client timeout. */
export function pollHealth(base: string, everyMs = 100): { samples: Sample[]; stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; i < 1000 && !stopped; i++) {
      const started = performance.now();
      let status: number | null = null;
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
        await res.text();
        status = res.status;
      } catch {
        status = null;
      }
      samples.push({ ms: Math.round(performance.now() - started), status });
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await done;
      return samples;
    },
  };
}

export interface Timed {
  status: number | null;
  ms: number;
  json: Record<string, unknown>;
}

/** POST /api/audits with an Idempotency-Key, timed; a client timeout is status null. */
export async function timedPost(
  base: string,
  token: string,
  body: unknown,
  key: string,
  timeoutMs = 20_000,
): Promise<Timed> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}/api/audits`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "idempotency-key": key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, ms: Math.round(performance.now() - started), json: JSON.parse(text) };
  } catch {
    return { status: null, ms: Math.round(performance.now() - started), json: {} };
  }
}

export interface ServeProcess {
  base: string;
  /** Everything the server wrote to stderr so far (its log). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * `dbfence serve --config <settings> --port 0 --no-schedule` as its own process (so the test's own
 * client work does not share the server's event loop), stopped by `stop()` or at exit.
 */
export async function serveProcess(settings: string, env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const cli = path.join(ROOT, "dist", "src", "cli.js");
  const child = spawn(process.execPath, [cli, "serve", "--config", settings, "--port", "0", "--no-schedule"], {
    cwd: path.dirname(settings),
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dbfence serve did not listen within 30 s:\n${stderr}`)), 30_000);
    const look = () => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (!m) return;
      clearTimeout(timer);
      child.stderr.off("data", look);
      resolve(m[1] as string);
    };
    child.stderr.on("data", look);
    child.once("exit", (code) => reject(new Error(`dbfence serve exited (${code}):\n${stderr}`)));
  });
  return {
    base,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(timer);
      process.removeListener("exit", kill);
    },
  };
}
