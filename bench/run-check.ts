/**
 * Benchmark helper: runs `runCheck` in this process over one path and prints one JSON line
 * `{ms, maxRssMB, files, findings, errors, byCode, dbf900, dbf900Paths, notices}`.
 *
 * bench/stdlib.ts starts it as a child process when `/usr/bin/time` is missing (or with --in-process), so
 * the peak RSS (`process.resourceUsage().maxRSS`) is this run's alone. `ms` covers config loading and the
 * engine (discovery, parsing, indexing, rules), not node's start-up or any reporter.
 * Run: node dist/bench/run-check.js PATH
 */
import path from "node:path";
import { loadConfig } from "../src/config/load.js";
import { runCheck } from "../src/engine/run.js";

export interface RunCheckReport {
  ms: number;
  maxRssMB: number;
  files: number;
  findings: number;
  /** Error-severity findings: the CLI would exit 1 when this is above 0. */
  errors: number;
  byCode: Record<string, number>;
  dbf900: number;
  dbf900Paths: { path: string; line: number; message: string }[];
  notices: string[];
}

function main(): void {
  const target = path.resolve(process.argv[2] ?? ".");
  const started = process.hrtime.bigint();
  const loaded = loadConfig({ startPath: target });
  // The same choice as the CLI: a run over the project root itself reports on the root.
  const result = runCheck({ loaded, paths: [target === loaded.root ? loaded.root : target] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const byCode: Record<string, number> = {};
  for (const f of result.findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  const syntax = result.findings.filter((f) => f.code === "DBF900");
  const report: RunCheckReport = {
    ms: Math.round(ms),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    files: result.summary.files,
    findings: result.summary.findings,
    errors: result.summary.errors,
    byCode,
    dbf900: syntax.length,
    dbf900Paths: syntax.map((f) => ({ path: f.path, line: f.line, message: f.message })),
    notices: result.notices,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main();
