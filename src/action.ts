#!/usr/bin/env node
/**
 * The GitHub Action's entry (action.yml): runs `dbfence check` once (as JSON, so everything `check`
 * does — config, baseline, exit code — applies unchanged), then prints GitHub annotations, writes a
 * SARIF log for `github/codeql-action/upload-sarif`, a job summary, and the step outputs. Paths are
 * rewritten from the project root to the repository (`GITHUB_WORKSPACE`), which is what annotations and
 * code scanning resolve them against.
 *
 * Inputs come as environment variables (action.yml passes them): DBFENCE_PATH (whitespace-separated
 * paths, default "."), DBFENCE_CONFIG, DBFENCE_ARGS (more check options), DBFENCE_SARIF_FILE (default
 * dbfence.sarif), DBFENCE_FAIL_ON_FINDINGS ("true"/"false", default "true"), DBFENCE_CACHE ("true"/"false",
 * default "false": `check` runs with `--no-cache`, so a cache committed or restored into the workspace is
 * never read; see docs/design.md "The cache cannot hide findings").
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatGithub, formatSarif, type JsonOutput } from "./reporters/index.js";
import { ruleMetas } from "./rules/index.js";
import type { CheckResult, Finding } from "./types.js";
import { VERSION } from "./version.js";

const CLI = fileURLToPath(new URL("./cli.js", import.meta.url));

export interface ActionInputs {
  paths: string[];
  config: string;
  args: string[];
  sarifFile: string;
  failOnFindings: boolean;
  /** Use dbfence's cache (opt-in): off, a run never reads a `.dbfence_cache/` found in the workspace. */
  cache: boolean;
  workspace: string;
}

export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const words = (s: string | undefined): string[] => (s ?? "").split(/\s+/).filter((w) => w !== "");
  const paths = words(env.DBFENCE_PATH);
  return {
    paths: paths.length > 0 ? paths : ["."],
    config: (env.DBFENCE_CONFIG ?? "").trim(),
    args: words(env.DBFENCE_ARGS),
    sarifFile: (env.DBFENCE_SARIF_FILE ?? "").trim() || "dbfence.sarif",
    failOnFindings: !/^(false|no|0|off)$/i.test((env.DBFENCE_FAIL_ON_FINDINGS ?? "true").trim()),
    cache: /^(true|yes|1|on)$/i.test((env.DBFENCE_CACHE ?? "false").trim()),
    workspace: path.resolve(env.GITHUB_WORKSPACE ?? process.cwd()),
  };
}

/** The JSON document as a check result whose paths are relative to `workspace`. */
export function rebase(json: JsonOutput, workspace: string): CheckResult {
  const prefix = path.relative(workspace, json.root).split(path.sep).join("/");
  const findings: Finding[] = json.findings.map((f) => ({
    ...f,
    path: prefix === "" ? f.path : path.posix.normalize(`${prefix}/${f.path}`),
  }));
  return { root: workspace, findings, summary: json.summary, notices: [] };
}

function appendFile(file: string | undefined, text: string): void {
  if (file) fs.appendFileSync(file, text);
}

/** A short Markdown table for the job summary. */
export function jobSummary(result: CheckResult, sarifFile: string): string {
  const { errors, warnings, files } = result.summary;
  const head = `### dbfence\n\n${errors} errors, ${warnings} warnings in ${files} files checked. SARIF: \`${sarifFile}\`\n`;
  if (result.findings.length === 0) return `${head}\nNo findings.\n`;
  const counts = new Map<string, { name: string; n: number }>();
  for (const f of result.findings) {
    const c = counts.get(f.code) ?? { name: f.name, n: 0 };
    c.n++;
    counts.set(f.code, c);
  }
  const rows = [...counts.entries()].sort().map(([code, c]) => `| ${code} | ${c.name} | ${c.n} |`);
  return `${head}\n| rule | name | findings |\n|---|---|---|\n${rows.join("\n")}\n`;
}

export function runAction(env: NodeJS.ProcessEnv): number {
  const inputs = readInputs(env);
  const args = [
    "check",
    "--format",
    "json",
    ...(inputs.cache ? [] : ["--no-cache"]),
    ...(inputs.config ? ["--config", inputs.config] : []),
    ...inputs.args,
  ];
  const r = spawnSync(process.execPath, [CLI, ...args, "--", ...inputs.paths], {
    cwd: inputs.workspace,
    env,
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.error) {
    process.stdout.write(`::error title=dbfence::could not run dbfence: ${r.error.message}\n`);
    return 2;
  }
  if (r.status !== 0 && r.status !== 1) {
    process.stdout.write(`::error title=dbfence::dbfence check exited ${r.status} (see the log above)\n`);
    return r.status ?? 2;
  }
  const result = rebase(JSON.parse(r.stdout.toString("utf8")) as JsonOutput, inputs.workspace);
  process.stdout.write(formatGithub(result, ruleMetas()));
  const sarifPath = path.resolve(inputs.workspace, inputs.sarifFile);
  fs.mkdirSync(path.dirname(sarifPath), { recursive: true });
  fs.writeFileSync(sarifPath, formatSarif(result, ruleMetas(), { toolVersion: VERSION }));
  const { errors, warnings } = result.summary;
  process.stdout.write(`dbfence: ${errors} errors, ${warnings} warnings; SARIF written to ${inputs.sarifFile}\n`);
  appendFile(
    env.GITHUB_OUTPUT,
    `sarif-file=${inputs.sarifFile}\nfindings=${result.findings.length}\nerrors=${errors}\nwarnings=${warnings}\n`,
  );
  appendFile(env.GITHUB_STEP_SUMMARY, jobSummary(result, inputs.sarifFile));
  return r.status === 1 && inputs.failOnFindings ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = runAction(process.env);
}
