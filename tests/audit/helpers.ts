/** Real parts for the audit tests: the built CLI in a child process, git projects, local HTTP receivers. */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const CLI = path.join(REPO, "dist", "src", "cli.js");

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `dbfence ARGS` in `cwd`; no stack trace or internal error may appear, whatever the exit code. */
export function dbfence(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: {
        ...process.env,
        DBFENCE_STORE: "",
        DBFENCE_WEBHOOK: "",
        DBFENCE_TOKEN: "",
        DBFENCE_REPOSITORY: "",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      if (/^ {4}at |internal error/m.test(stderr)) reject(new Error(`dbfence ${args.join(" ")} crashed:\n${stderr}`));
      else resolve({ status, stdout, stderr });
    });
  });
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dbfence-${label}-`));
}

/** A copy of an example backend as its own git repository on branch `main`, with one commit. */
export function gitProject(example: string, into: string, extraConfig = ""): { dir: string; commit: string } {
  const dir = path.join(into, example);
  fs.cpSync(path.join(REPO, "examples", example), dir, { recursive: true });
  if (extraConfig) fs.appendFileSync(path.join(dir, "dbfence.toml"), `\n${extraConfig}\n`);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=dbfence test", "-c", "user.email=test@dbfence.invalid", ...args], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "example");
  return { dir, commit: git("rev-parse", "HEAD") };
}

export interface Receiver {
  url: string;
  /** Bodies received, parsed. */
  received: unknown[];
  close(): Promise<void>;
}

/** A local HTTP server answering each request with the next status of `statuses` (the last repeats). */
export async function receiver(statuses: number[]): Promise<Receiver> {
  const received: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d;
    });
    req.on("end", () => {
      try {
        received.push(JSON.parse(body));
      } catch {
        received.push(body);
      }
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)] as number;
      res.end(res.statusCode < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function logLines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
