/**
 * Benchmark: `dbfence check` over this machine's Python standard library, as a whole child process.
 *
 *   npm run build && node dist/bench/stdlib.js [--runs N] [--in-process] [--python PYTHON] [--path DIR]
 *
 * - Finds the stdlib with `python3 -c "import sysconfig;print(sysconfig.get_paths()['stdlib'])"`
 *   (`--python` or $PYTHON picks another interpreter; `--path` benchmarks any folder instead).
 * - Counts files, lines and bytes with dbfence's own discovery, so the numbers cover exactly what is checked.
 * - Runs `node dist/src/cli.js check --format json <stdlib>` N times (default 3) under `/usr/bin/time -v`
 *   for the peak RSS; without /usr/bin/time (or with --in-process) it runs dist/bench/run-check.js instead,
 *   which calls runCheck in-process and reports `process.resourceUsage().maxRSS`. Wall time is measured
 *   here with hrtime around the child in both cases.
 * - Compiles every file with that CPython too, so each DBF900 is classified: CPython rejects the file as
 *   well (expected: the stdlib ships deliberately broken files) or accepts it (a parser disagreement).
 * - Exit code 0 or 1 of the check is fine; exit 2, a signal, a stack trace or an "internal error:" line
 *   fails the bench (exit 1). The markdown report goes to stdout, progress to stderr.
 *
 * Measured by this script, never by tests: timings depend on the machine and its load.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.js";
import { discoverFiles } from "../src/files/discover.js";
import type { RunCheckReport } from "./run-check.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, "../src/cli.js");
const RUN_CHECK = path.resolve(here, "run-check.js");
const TIME = "/usr/bin/time";
const MB = 1e6;

interface Measured {
  wallMs: number;
  maxRssMB: number;
  engineMs: number;
  status: number;
  files: number;
  byCode: Record<string, number>;
  dbf900: { path: string; line: number; message: string }[];
  notices: string[];
}

interface CpythonVerdict {
  path: string;
  error: string;
}

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

function fail(message: string): never {
  process.stderr.write(`[bench] FAILED: ${message}\n`);
  process.exit(1);
}

/** Fails the bench on anything that is not a normal run: exit 2, a signal, a stack trace, an internal error. */
function assertNormal(what: string, status: number | null, signal: string | null, stderr: string): number {
  const tail = stderr.slice(-3000);
  if (signal !== null) fail(`${what} was killed by ${signal}\n${tail}`);
  if (status !== 0 && status !== 1) fail(`${what} exited ${status} (0 or 1 expected)\n${tail}`);
  if (/\n\s+at /.test(stderr)) fail(`${what} printed a stack trace\n${tail}`);
  if (/internal error:/.test(stderr)) fail(`${what} reported an internal error\n${tail}`);
  return status;
}

function byCodeOf(findings: { code: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.code] = (out[f.code] ?? 0) + 1;
  return out;
}

/** Notices (`dbfence: warning: ...` lines) the CLI printed. */
function noticesOf(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("dbfence: warning: "))
    .map((l) => l.slice("dbfence: warning: ".length));
}

function runWithTime(target: string): Measured {
  const started = process.hrtime.bigint();
  // --no-cache: every run is cold, and nothing is written into the checked tree (a Python installation).
  const r = spawnSync(TIME, ["-v", process.execPath, CLI, "check", "--format", "json", "--no-cache", target], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error) fail(`cannot run ${TIME}: ${r.error.message}`);
  // /usr/bin/time appends its report to the child's stderr; the check's own lines come first.
  const split = r.stderr.search(/\n?\s*Command (being timed|exited|terminated)/);
  const own = split >= 0 ? r.stderr.slice(0, split) : r.stderr;
  const exited = /Exit status: (\d+)/.exec(r.stderr);
  const killed = /Command terminated by signal (\d+)/.exec(r.stderr);
  const status = exited ? Number(exited[1]) : r.status;
  const status01 = assertNormal("dbfence check", status, killed ? `signal ${killed[1]}` : r.signal, own);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  let out: {
    summary: { files: number; durationMs: number };
    findings: { code: string; path: string; line: number; message: string }[];
  };
  try {
    out = JSON.parse(r.stdout);
  } catch (e) {
    fail(`stdout is not JSON (${e}): ${r.stdout.slice(0, 300)}`);
  }
  return {
    wallMs,
    maxRssMB: rss ? Number(rss[1]) / 1024 : Number.NaN,
    engineMs: out.summary.durationMs,
    status: status01,
    files: out.summary.files,
    byCode: byCodeOf(out.findings),
    dbf900: out.findings
      .filter((f) => f.code === "DBF900")
      .map((f) => ({ path: f.path, line: f.line, message: f.message })),
    notices: noticesOf(own),
  };
}

function runInProcess(target: string): Measured {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [RUN_CHECK, target], { encoding: "utf8", maxBuffer: 1 << 30 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error) fail(`cannot run ${RUN_CHECK}: ${r.error.message}`);
  assertNormal("run-check", r.status, r.signal, r.stderr);
  let report: RunCheckReport;
  try {
    report = JSON.parse(r.stdout);
  } catch (e) {
    fail(`run-check printed no JSON (${e}): ${r.stdout.slice(0, 300)}`);
  }
  return {
    wallMs,
    maxRssMB: report.maxRssMB,
    engineMs: report.ms,
    status: report.errors > 0 ? 1 : 0,
    files: report.files,
    byCode: report.byCode,
    dbf900: report.dbf900Paths,
    notices: report.notices,
  };
}

/** One CPython process compiles every file; returns the ones it rejects. */
function cpythonRejects(python: string, root: string, rels: string[]): CpythonVerdict[] {
  const script = [
    "import json, sys, warnings",
    "warnings.simplefilter('ignore')",
    "sys.setrecursionlimit(10000)",
    "root = sys.argv[1]",
    "bad = []",
    "for rel in sys.stdin.read().split('\\0'):",
    "    if not rel: continue",
    "    try:",
    "        with open(root + '/' + rel, 'rb') as fh: src = fh.read()",
    "        compile(src, rel, 'exec', dont_inherit=True)",
    "    except BaseException as e:",
    "        msg = getattr(e, 'msg', None) or str(e)",
    "        line = getattr(e, 'lineno', None)",
    "        bad.append({'path': rel, 'error': type(e).__name__ + (f' (line {line})' if line else '') + ': ' + str(msg)[:120]})",
    "print(json.dumps(bad))",
  ].join("\n");
  const r = spawnSync(python, ["-c", script, root], { input: rels.join("\0"), encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    log(`CPython comparison skipped: ${python} exited ${r.status}: ${r.stderr.slice(-500)}`);
    return [];
  }
  return JSON.parse(r.stdout) as CpythonVerdict[];
}

/** Why a file CPython rejects is in the stdlib on purpose, from its path. */
function deliberateReason(rel: string): string {
  const base = path.posix.basename(rel);
  if (/^badsyntax_/.test(base)) return "deliberate: `test/badsyntax_*` syntax-error test case";
  if (/^bad_coding/.test(base)) return "deliberate: bad coding declaration test case";
  if (/^bad_getattr/.test(base)) return "deliberate: bad module test case";
  if (rel.includes("lib2to3/tests/data/")) return "deliberate: lib2to3 test data (Python 2 or broken on purpose)";
  if (/tokenizedata\/bad/.test(rel)) return "deliberate: tokenizer test data";
  if (rel.includes("/test/") || rel.startsWith("test/")) return "test suite file";
  return "";
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const fmt = (n: number, digits = 1): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      "in-process": { type: "boolean", default: false },
      python: { type: "string" },
      path: { type: "string" },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got '${values.runs}'`);
  const python = values.python ?? process.env.PYTHON ?? "python3";
  if (!fs.existsSync(CLI)) fail(`${CLI} is missing; run 'npm run build' first`);

  const pythonInfo = execFileSync(
    python,
    ["-c", "import sys, sysconfig; print(sysconfig.get_paths()['stdlib']); print(sys.version.split()[0])"],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n");
  const target = path.resolve(values.path ?? (pythonInfo[0] as string));
  const pythonVersion = pythonInfo[1] as string;

  // Exactly the files the CLI checks: its own config discovery and file discovery.
  const loaded = loadConfig({ startPath: target });
  const discovered = discoverFiles({
    root: loaded.root,
    paths: [target],
    include: loaded.config.include,
    exclude: loaded.config.exclude,
    respectGitignore: true,
  });
  let bytes = 0;
  let lines = 0;
  for (const f of discovered.files) {
    const data = fs.readFileSync(f.abs);
    bytes += data.length;
    let n = 0;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
    lines += n + (data.length > 0 && data[data.length - 1] !== 10 ? 1 : 0);
  }
  log(`${target}: ${discovered.files.length} files, ${fmt(lines, 0)} lines, ${fmt(bytes / MB)} MB`);

  const useTime = !values["in-process"] && fs.existsSync(TIME);
  const method = useTime
    ? "`/usr/bin/time -v node dist/src/cli.js check --format json <stdlib>` (whole process)"
    : "`node dist/bench/run-check.js <stdlib>` (runCheck in a child process; `process.resourceUsage().maxRSS`)";
  const measured: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    const m = useTime ? runWithTime(target) : runInProcess(target);
    log(
      `run ${i + 1}/${runs}: ${fmt(m.wallMs / 1000, 2)} s wall, engine ${fmt(m.engineMs / 1000, 2)} s, peak RSS ${fmt(m.maxRssMB, 0)} MB, exit ${m.status}`,
    );
    measured.push(m);
  }
  const last = measured[measured.length - 1] as Measured;
  const wallS = median(measured.map((m) => m.wallMs)) / 1000;
  const engineS = median(measured.map((m) => m.engineMs)) / 1000;
  const rssMB = median(measured.map((m) => m.maxRssMB));
  const peakRssMB = Math.max(...measured.map((m) => m.maxRssMB));

  log(`compiling the same ${discovered.files.length} files with ${python} (${pythonVersion}) to classify DBF900…`);
  const rels = discovered.files.map((f) => path.relative(target, f.abs).split(path.sep).join("/"));
  const rejected = cpythonRejects(python, target, rels);
  const rejectedBy = new Map(rejected.map((r) => [r.path, r.error]));
  // Finding paths are relative to the project root; CPython's list is relative to the target.
  const targetRel = (p: string): string =>
    path.relative(target, path.resolve(loaded.root, p)).split(path.sep).join("/");
  const dbf900 = last.dbf900.map((f) => ({ ...f, rel: targetRel(f.path) }));
  const expected = dbf900.filter((f) => rejectedBy.has(f.rel));
  const disagreements = dbf900.filter((f) => !rejectedBy.has(f.rel));
  const dbf900Set = new Set(dbf900.map((f) => f.rel));
  const acceptedByDbfence = rejected.filter((r) => !dbf900Set.has(r.path));
  const internal = last.notices.filter((n) => /internal error/i.test(n));

  const out: string[] = [];
  const p = (s = ""): void => {
    out.push(s);
  };
  p("## Whole Python standard library");
  p();
  p(
    `Measured by \`bench/stdlib.ts\` (a script), not by tests. Command: \`npm run build && node dist/bench/stdlib.js\`.`,
  );
  p(`Each run (${runs} in all): ${method}.`);
  p();
  p("| what | result |");
  p("|---|---|");
  p(`| target | \`${target}\` (Python ${pythonVersion}) |`);
  p(
    `| files checked | ${fmt(last.files, 0)} (dbfence's own discovery: \`.py\`/\`.pyi\`, \`site-packages\` and caches skipped) |`,
  );
  p(`| lines | ${fmt(lines, 0)} |`);
  p(`| source size | ${fmt(bytes / MB)} MB (1 MB = 10⁶ bytes) |`);
  p(
    `| wall time, median of ${runs} | **${fmt(wallS, 2)} s** (runs: ${measured.map((m) => fmt(m.wallMs / 1000, 2)).join(", ")}) |`,
  );
  p(`| engine time (\`summary.durationMs\`), median | ${fmt(engineS, 2)} s |`);
  p(
    `| throughput (wall) | **${fmt(bytes / MB / wallS, 2)} MB/s**, ${fmt(lines / wallS, 0)} lines/s, ${fmt(last.files / wallS, 0)} files/s |`,
  );
  p(`| peak RSS, median (max) | **${fmt(rssMB, 0)} MB** (${fmt(peakRssMB, 0)} MB) |`);
  p(
    `| exit code | ${measured.map((m) => m.status).join(", ")} (1 = error findings; 2 or a crash would have failed the bench) |`,
  );
  p(
    `| findings | ${fmt(
      Object.values(last.byCode).reduce((a, b) => a + b, 0),
      0,
    )} |`,
  );
  p(`| notices on stderr | ${last.notices.length}, of them internal errors: ${internal.length} |`);
  p();
  p("Findings per code:");
  p();
  p("| code | findings |");
  p("|---|---|");
  for (const [code, n] of Object.entries(last.byCode).sort(([a], [b]) => (a < b ? -1 : 1))) p(`| ${code} | ${n} |`);
  if (Object.keys(last.byCode).length === 0) p("| (none) | 0 |");
  p();
  p(`### DBF900 against CPython ${pythonVersion}`);
  p();
  p(
    `${dbf900.length} files are DBF900. CPython ${pythonVersion} rejects ${expected.length} of them too (expected: the stdlib ships deliberately broken files); it accepts ${disagreements.length} (parser disagreements: dbfence parses with the Python 3.14 grammar, pyright's parser).`,
  );
  p();
  if (dbf900.length > 0) {
    p(`First ${Math.min(10, dbf900.length)} DBF900 paths:`);
    p();
    p(`| path | line | dbfence | CPython ${pythonVersion} | expected? |`);
    p("|---|---|---|---|---|");
    for (const f of dbf900.slice(0, 10)) {
      const cp = rejectedBy.get(f.rel);
      const why = cp ? deliberateReason(f.rel) || "CPython rejects it too" : "**no: parser disagreement**";
      const msg = f.message.replace(/; no rule can check this file until it parses$/, "");
      p(
        `| \`${f.rel}\` | ${f.line} | ${cell(msg.slice(0, 90))} | ${cell(cp ? cp.slice(0, 80) : "compiles")} | ${cell(why)} |`,
      );
    }
    p();
  }
  if (disagreements.length > 10 || (disagreements.length > 0 && dbf900.length > 10)) {
    p(`All parser disagreements (DBF900 although CPython ${pythonVersion} compiles the file):`);
    p();
    for (const f of disagreements) p(`- \`${f.rel}\`:${f.line} ${cell(f.message.slice(0, 120))}`);
    p();
  }
  p(
    `Files CPython ${pythonVersion} rejects but dbfence parses: ${acceptedByDbfence.length}${acceptedByDbfence.length > 0 ? " (errors CPython finds only when compiling, such as misplaced `from __future__`, `nonlocal` at module level or `return` outside a function, are not syntax errors for a parser-based tool):" : "."}`,
  );
  if (acceptedByDbfence.length > 0) {
    p();
    for (const r of acceptedByDbfence.slice(0, 15)) p(`- \`${r.path}\`: ${cell(r.error)}`);
    if (acceptedByDbfence.length > 15) p(`- … and ${acceptedByDbfence.length - 15} more`);
  }
  if (internal.length > 0) {
    p();
    p("Internal-error notices (files whose rules did not run):");
    p();
    for (const n of internal.slice(0, 20)) p(`- ${cell(n)}`);
  }
  p();
  p(
    `Machine: ${os.availableParallelism()} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${cell(os.cpus()[0]?.model ?? "unknown CPU")}, Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => fmt(l, 2))
      .join(" ")} at the end.`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
}

main();
