/** Runs the real, built CLI in a child process, the way users and CI systems do. */
import assert from "node:assert/strict";
import { type SpawnOptions, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without colour switches, so only "is stdout a terminal?" decides about colour. */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ["NO_COLOR", "FORCE_COLOR", "DBFENCE_DEBUG"]) if (!(k in extra)) delete env[k];
  return env;
}

/**
 * `dbfence ARGS` in `cwd`. Whatever the outcome, a run must end by itself with 0, 1 or 2 and never
 * print a stack trace or an internal error.
 */
export async function dbfence(
  args: string[],
  cwd: string,
  opts: { env?: Record<string, string>; spawn?: SpawnOptions } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: plainEnv(opts.env),
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
    ...opts.spawn,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => stdout.push(b));
  child.stderr?.on("data", (b: Buffer) => stderr.push(b));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  const run: CliRun = {
    status,
    stdout: Buffer.concat(stdout).toString("utf8"),
    stderr: Buffer.concat(stderr).toString("utf8"),
  };
  const what = `dbfence ${args.join(" ")} (in ${cwd})`;
  assert.doesNotMatch(run.stderr, /^ {4}at /m, `${what} printed a stack trace:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /internal error/, `${what} hit an internal error:\n${run.stderr}`);
  assert.ok(run.status === 0 || run.status === 1 || run.status === 2, `${what} exited ${run.status}:\n${run.stderr}`);
  return run;
}

export interface JsonFinding {
  code: string;
  name: string;
  severity: string;
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  fix: unknown;
}

export interface JsonOutput {
  version: number;
  tool: { name: string; version: string };
  root: string;
  findings: JsonFinding[];
  summary: { files: number; findings: number; errors: number; warnings: number; durationMs: number };
}

/** `dbfence check --format json ARGS`, parsed. */
export async function checkJson(
  args: string[],
  cwd: string,
  opts: Parameters<typeof dbfence>[2] = {},
): Promise<CliRun & { json: JsonOutput }> {
  const run = await dbfence(["check", "--format", "json", ...args], cwd, opts);
  assert.notEqual(run.status, 2, `usage/config error: ${run.stderr}`);
  return { ...run, json: JSON.parse(run.stdout) as JsonOutput };
}

/** `path:line CODE` of each finding, for compact assertions. */
export const where = (j: JsonOutput): string[] => j.findings.map((f) => `${f.path}:${f.line} ${f.code}`);
