/**
 * Benchmark for issue 7 ("Fast at any size"): dbfence against the alternatives on one generated tree,
 * every measurement a whole process, N runs each, medians.
 *
 *   npm run build && node dist/bench/speed.js [--lines 1000000] [--seed 7] [--runs 3] [--tree DIR] [--keep]
 *
 * - Generates a backend of `--lines` lines with `bench/generate.ts` in a temporary folder outside the
 *   repository (`$TMPDIR/dbfence-speed-*`), makes it a throwaway git repository (`git init`, everything
 *   committed) so that staged files exist. `--tree DIR` reuses a tree generated before (made a git
 *   repository if it is not one); `--keep` keeps the temporary tree.
 * - Each round (N rounds, interleaved so that load drift hits every measurement alike) runs, under
 *   `/usr/bin/time -v` for peak RSS and CPU, timed here with hrtime:
 *     cold        `.dbfence_cache` removed, then `node dist/src/cli.js check --format json TREE` (worker
 *                 threads: one per CPU by default)
 *     cold-1      the same with `--jobs 1` (no worker threads)
 *     recheck     the same again, nothing changed: everything comes from the cache
 *     one-changed one service file edited (a comment appended), then the same full check (cache warm)
 *     staged      5 files edited and `git add`ed, then `check --staged --format json` in TREE (cache warm)
 *     five-files  the same 5 edited files as arguments: `check --format json <5 files>` in TREE
 *     grep        `bash bench/validate-connector-usage.sh TREE` (a reconstruction of the policy's grep script)
 *     ruff-wasm   `node dist/bench/ruff-wasm.js TREE` (ruff's WASM build, TID251 banned-api + ASYNC)
 *     read+hash   `node dist/bench/speed.js --read-hash TREE`: read and SHA-256 every .py file, the floor
 *                 the "unchanged re-check ≤ 1.5× read+hash" target is measured against
 *   Edited files are restored (and re-staged) after each round.
 * - Prints a markdown report (results, ratios to dbfence's cold check, the issue's targets as met or
 *   distance, the machine and the commands) on stdout; progress goes to stderr.
 * - A dbfence exit other than 0/1, a signal, a stack trace or an `internal error:` line fails the bench.
 *
 * Measured by this script, never by tests: timings depend on the machine and its load.
 */
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generate } from "./generate.js";
import { pyFiles, type RuffReport } from "./ruff-wasm.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, "../..");
const CLI = path.resolve(here, "../src/cli.js");
const RUFF = path.resolve(here, "ruff-wasm.js");
const SELF = fileURLToPath(import.meta.url);
const GREP = path.join(REPO, "bench/validate-connector-usage.sh");
const TIME = "/usr/bin/time";
const HAS_TIME = fs.existsSync(TIME);

const log = (message: string): void => {
  process.stderr.write(`[speed] ${message}\n`);
};

function fail(message: string): never {
  process.stderr.write(`[speed] FAILED: ${message}\n`);
  process.exit(1);
}

interface Timed {
  wallMs: number;
  rssMB: number;
  userS: number;
  sysS: number;
  status: number;
  stdout: string;
  /** The command's own stderr, without /usr/bin/time's report. */
  stderr: string;
}

/** Runs `cmd args` in `cwd` as a whole process under /usr/bin/time -v, wall time by hrtime around it. */
function timed(cmd: string, args: string[], cwd: string): Timed {
  const argv = HAS_TIME ? ["-v", cmd, ...args] : args;
  const started = process.hrtime.bigint();
  const r = spawnSync(HAS_TIME ? TIME : cmd, argv, { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  let own = r.stderr;
  let status = r.status ?? -1;
  let rssMB = Number.NaN;
  let userS = Number.NaN;
  let sysS = Number.NaN;
  if (HAS_TIME) {
    const split = r.stderr.search(/\n?\s*Command (being timed|exited|terminated)/);
    own = split >= 0 ? r.stderr.slice(0, split) : r.stderr;
    const exited = /Exit status: (\d+)/.exec(r.stderr);
    if (/Command terminated by signal (\d+)/.test(r.stderr)) fail(`${cmd} ${args.join(" ")} was killed\n${own}`);
    if (exited) status = Number(exited[1]);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
    rssMB = rss ? Number(rss[1]) / 1024 : Number.NaN;
    userS = user ? Number(user[1]) : Number.NaN;
    sysS = sys ? Number(sys[1]) : Number.NaN;
  } else if (r.signal) {
    fail(`${cmd} ${args.join(" ")} was killed by ${r.signal}\n${own}`);
  }
  return { wallMs, rssMB, userS, sysS, status, stdout: r.stdout, stderr: own };
}

interface DbfenceRun extends Timed {
  findings: number;
  files: number;
}

function dbfence(what: string, args: string[], cwd: string): DbfenceRun {
  const t = timed(process.execPath, [CLI, ...args], cwd);
  const tail = t.stderr.slice(-3000);
  if (t.status !== 0 && t.status !== 1) fail(`${what}: dbfence exited ${t.status} (0 or 1 expected)\n${tail}`);
  if (/\n\s+at /.test(t.stderr)) fail(`${what}: dbfence printed a stack trace\n${tail}`);
  if (/internal error:/.test(t.stderr)) fail(`${what}: dbfence reported an internal error\n${tail}`);
  let out: { summary: { files: number }; findings: unknown[] };
  try {
    out = JSON.parse(t.stdout);
  } catch (e) {
    fail(`${what}: stdout is not JSON (${e}): ${t.stdout.slice(0, 300)}\n${tail}`);
  }
  return { ...t, findings: out.findings.length, files: out.summary.files };
}

function git(cwd: string, args: string[]): string {
  return execFileSync(
    "git",
    [
      "-c",
      "core.hooksPath=/dev/null",
      "-c",
      "commit.gpgsign=false",
      "-c",
      "user.name=bench",
      "-c",
      "user.email=bench@localhost",
      ...args,
    ],
    { cwd, encoding: "utf8", maxBuffer: 1 << 30 },
  );
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const sec = (ms: number): string => (Number.isNaN(ms) ? "n/a" : `${(ms / 1000).toFixed(2)} s`);
const msStr = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : sec(ms));
const mb = (x: number): string => (Number.isNaN(x) ? "n/a" : `${Math.round(x).toLocaleString("en-US")} MB`);
const int = (x: number): string => x.toLocaleString("en-US");
const ratio = (x: number): string => (x >= 10 ? `${x.toFixed(0)}×` : x >= 1 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`);

/** `--read-hash DIR`: read and SHA-256 every .py file; prints `{files, bytes, ms}`. */
function readHash(root: string): void {
  const started = process.hrtime.bigint();
  let bytes = 0;
  const files = pyFiles(root);
  const digests: string[] = [];
  for (const f of files) {
    const buf = fs.readFileSync(f);
    bytes += buf.length;
    digests.push(crypto.createHash("sha256").update(buf).digest("hex"));
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`${JSON.stringify({ files: files.length, bytes, digests: digests.length, ms })}\n`);
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim();
  } catch {
    return "n/a";
  }
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
    return m ? (m[1] as string).trim() : (os.cpus()[0]?.model ?? "n/a");
  } catch {
    return os.cpus()[0]?.model ?? "n/a";
  }
}

/** Picks the files to edit: one service; five files from five layers of different domains. */
function pickFiles(tree: string): { one: string; five: string[] } {
  const all = pyFiles(tree).map((f) => path.relative(tree, f));
  const middle = (re: RegExp, shift: number): string => {
    const xs = all.filter((f) => re.test(f) && !f.endsWith("__init__.py"));
    if (xs.length === 0) fail(`no file matches ${re} in ${tree}`);
    return xs[(Math.floor(xs.length / 2) + shift) % xs.length] as string;
  };
  return {
    one: middle(/^app\/services\//, 0),
    five: [
      middle(/^app\/routers\//, 1),
      middle(/^app\/services\//, 2),
      middle(/^app\/repositories\//, 3),
      middle(/^app\/models\//, 4),
      middle(/^tests\/test_.*_api\.py$/, 5),
    ],
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      lines: { type: "string", default: "1000000" },
      seed: { type: "string", default: "7" },
      runs: { type: "string", default: "3" },
      tree: { type: "string" },
      keep: { type: "boolean", default: false },
      "read-hash": { type: "string" },
    },
  });
  if (values["read-hash"] !== undefined) {
    readHash(path.resolve(values["read-hash"]));
    return;
  }
  if (positionals.length > 0) fail(`unexpected argument ${positionals[0]}`);
  const runs = Number(values.runs);
  const lines = Number(values.lines);
  const seed = Number(values.seed);
  if (!(runs >= 1) || !(lines >= 1000)) fail("--runs must be ≥ 1 and --lines ≥ 1000");
  if (!HAS_TIME) log(`${TIME} is missing: peak RSS and CPU time are not measured`);

  const loadStart = os.loadavg();
  const started = new Date();
  let scratch: string | null = null;
  let tree: string;
  let genNote: string;
  if (values.tree) {
    tree = fs.realpathSync(path.resolve(values.tree));
    if (tree === REPO || tree.startsWith(`${REPO}${path.sep}`)) fail("--tree must be outside the repository");
    genNote = `existing tree ${tree}`;
  } else {
    scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-speed-")));
    tree = path.join(scratch, "tree");
    log(`generating ${int(lines)} lines (seed ${seed}) in ${tree}`);
    const stats = generate(tree, lines, seed);
    genNote = `generated: ${int(stats.files)} files, ${int(stats.lines)} lines, ${(stats.bytes / 1e6).toFixed(1)} MB, ${int(stats.domains)} domains`;
  }
  if (!fs.existsSync(path.join(tree, ".git"))) {
    log("git init + commit (throwaway repository)");
    git(tree, ["init", "-q"]);
    git(tree, ["add", "-A"]);
    git(tree, ["commit", "-q", "-m", "generated tree"]);
  }
  const files = pyFiles(tree);
  const totalBytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const totalLines = files.reduce((n, f) => n + fs.readFileSync(f, "utf8").split("\n").length - 1, 0);
  const pick = pickFiles(tree);
  log(
    `${int(files.length)} .py files, ${int(totalLines)} lines; one-changed: ${pick.one}; five: ${pick.five.join(" ")}`,
  );

  const edit = (rel: string, round: number): Buffer => {
    const abs = path.join(tree, rel);
    const before = fs.readFileSync(abs);
    fs.writeFileSync(abs, Buffer.concat([before, Buffer.from(`\n# edited by bench/speed.ts, round ${round}\n`)]));
    return before;
  };

  const r: Record<string, Timed[]> = {};
  const add = (key: string, t: Timed): void => {
    r[key] ??= [];
    r[key].push(t);
    log(`  ${key}: ${msStr(t.wallMs)}, ${mb(t.rssMB)}, exit ${t.status}`);
  };
  const json = ["check", "--format", "json"];
  const cacheDir = path.join(tree, ".dbfence_cache");
  const outputs = new Map<string, string>();
  /** The findings of a run, to compare runs (with/without cache, 1 or N workers): they must be identical. */
  const same = (what: string, t: Timed): void => {
    const findings = JSON.stringify((JSON.parse(t.stdout) as { findings: unknown[] }).findings);
    const first = outputs.get("cold");
    if (first !== undefined && findings !== first) fail(`${what}: findings differ from the cold run's`);
    if (first === undefined) outputs.set("cold", findings);
  };
  for (let round = 1; round <= runs; round++) {
    log(`round ${round}/${runs}`);
    fs.rmSync(cacheDir, { recursive: true, force: true });
    const cold1 = dbfence("cold, one thread", [...json, "--jobs", "1", tree], tree);
    same("cold --jobs 1", cold1);
    add("cold1", cold1);
    fs.rmSync(cacheDir, { recursive: true, force: true });
    const cold = dbfence("cold", [...json, tree], tree);
    same("cold", cold);
    add("cold", cold);
    const recheck = dbfence("recheck", [...json, tree], tree);
    same("re-check", recheck);
    add("recheck", recheck);

    const before1 = edit(pick.one, round);
    try {
      add("one", dbfence("one file changed", [...json, tree], tree));
    } finally {
      fs.writeFileSync(path.join(tree, pick.one), before1);
    }

    const before5 = pick.five.map((f) => edit(f, round));
    try {
      git(tree, ["add", "--", ...pick.five]);
      const staged = dbfence("staged", ["check", "--staged", "--format", "json"], tree);
      if (staged.files !== pick.five.length) fail(`check --staged checked ${staged.files} files, 5 expected`);
      add("staged", staged);
      add("five", dbfence("five files", [...json, ...pick.five], tree));
    } finally {
      pick.five.forEach((f, i) => {
        fs.writeFileSync(path.join(tree, f), before5[i] as Buffer);
      });
      git(tree, ["add", "--", ...pick.five]);
    }

    const g = timed("bash", [GREP, tree], tree);
    if (g.status !== 0 && g.status !== 1) fail(`grep script exited ${g.status}\n${g.stderr}`);
    add("grep", g);

    const rw = timed(process.execPath, [RUFF, tree], tree);
    if (rw.status !== 0 && rw.status !== 1) fail(`ruff-wasm exited ${rw.status}\n${rw.stderr}`);
    add("ruff", rw);
    const rh = timed(process.execPath, [SELF, "--read-hash", tree], tree);
    if (rh.status !== 0) fail(`read-hash exited ${rh.status}\n${rh.stderr}`);
    add("readhash", rh);
  }
  const loadEnd = os.loadavg();

  const med = (key: string, f: (t: Timed) => number = (t) => t.wallMs): number => median((r[key] ?? []).map(f));
  const runsOf = (key: string): string => (r[key] ?? []).map((t) => (t.wallMs / 1000).toFixed(2)).join(", ");
  const rssMax = (key: string): number => Math.max(...(r[key] ?? []).map((t) => t.rssMB));
  const cold = med("cold");
  const findingsOf = (key: string): string => {
    const xs = [...new Set((r[key] ?? []).map((t) => (t as DbfenceRun).findings))];
    return xs.map(int).join(" / ");
  };
  const grepHits = [
    ...new Set((r.grep ?? []).map((t) => t.stdout.split("\n").filter((l) => /\.py:\d+:/.test(l)).length)),
  ];
  const ruffReport: RuffReport = JSON.parse((r.ruff ?? [])[0]?.stdout ?? "{}");
  const rhInner = median((r.readhash ?? []).map((t) => (JSON.parse(t.stdout) as { ms: number }).ms));
  const ruffInner = median((r.ruff ?? []).map((t) => (JSON.parse(t.stdout) as RuffReport).ms));

  const out: string[] = [];
  const p = (s = ""): void => {
    out.push(s);
  };
  const row = (what: string, key: string, result: string, vsCold: boolean): void => {
    const cpu = med(key, (t) => t.userS + t.sysS);
    p(
      `| ${what} | **${msStr(med(key))}** (${runsOf(key)}) | ${Number.isNaN(cpu) ? "n/a" : `${cpu.toFixed(2)} s`} | ${mb(med(key, (t) => t.rssMB))} (${mb(rssMax(key))}) | ${vsCold ? ratio(med(key) / cold) : "1×"} | ${result} |`,
    );
  };

  p(`### Speed benchmark (\`bench/speed.ts\`), ${int(totalLines)}-line tree, median of ${runs}`);
  p();
  p(
    `Tree: ${genNote}; ${int(files.length)} \`.py\` files, ${int(totalLines)} lines, ${(totalBytes / 1e6).toFixed(1)} MB. ` +
      `Edited files: one-changed \`${pick.one}\`; five \`${pick.five.join("`, `")}\` (a comment line appended, restored after each round).`,
  );
  p();
  p(
    "| measurement (whole process) | wall, median (runs) | CPU user+sys, median | peak RSS, median (max) | ÷ dbfence cold | result |",
  );
  p("|---|---|---|---|---|---|");
  row(
    "dbfence: cold full check",
    "cold",
    `${findingsOf("cold")} findings, ${int(((r.cold ?? [])[0] as DbfenceRun).files)} files`,
    false,
  );
  row("dbfence: cold full check, `--jobs 1` (no worker threads)", "cold1", `${findingsOf("cold1")} findings`, true);
  row("dbfence: unchanged re-check (cache warm)", "recheck", `${findingsOf("recheck")} findings`, true);
  row("dbfence: one file changed, full check (cache warm)", "one", `${findingsOf("one")} findings`, true);
  row(
    "dbfence: five staged files, `check --staged` (cache warm)",
    "staged",
    `${findingsOf("staged")} finding(s) in the 5 files`,
    true,
  );
  row("dbfence: `check <5 files>`", "five", `${findingsOf("five")} finding(s) in the 5 files`, true);
  row(
    "alternative: policy grep script (reconstruction)",
    "grep",
    `${grepHits.map(int).join(" / ")} hit lines, exit ${r.grep?.[0]?.status}`,
    true,
  );
  row(
    `alternative: ruff-wasm ${ruffReport.ruff} (TID251 banned-api + ASYNC)`,
    "ruff",
    `${int(ruffReport.diagnostics)} diagnostics in ${int(ruffReport.filesWithDiagnostics)} files (${Object.entries(
      ruffReport.byCode,
    )
      .sort()
      .map(([c, n]) => `${c} ${int(n)}`)
      .join(", ")}); in-process ${msStr(ruffInner)}`,
    true,
  );
  row(
    "floor: read + SHA-256 every .py file",
    "readhash",
    `in-process ${msStr(rhInner)} (the rest is Node start)`,
    true,
  );
  p();
  p(
    "`÷ dbfence cold` is the median wall time of that line divided by dbfence's cold median: below 1× is faster than dbfence.",
  );
  p();

  const targetRow = (target: string, measured: string, met: boolean, distance: string): void => {
    p(`| ${target} | ${measured} | ${met ? "**met**" : "not met"} | ${met ? "—" : distance} |`);
  };
  const recheck = med("recheck");
  const rh = med("readhash");
  const staged = med("staged");
  const ruffMed = med("ruff");
  const rssAll = Math.max(
    ...Object.entries(r)
      .filter(([k]) => ["cold", "cold1", "recheck", "one", "staged", "five"].includes(k))
      .flatMap(([, ts]) => ts.map((t) => t.rssMB)),
  );
  const rssCold = med("cold", (t) => t.rssMB);
  p(`#### Targets (issue 7) on this run`);
  p();
  p("| target | measured (median) | status | distance |");
  p("|---|---|---|---|");
  const scale = totalLines < 900_000 ? ` (this tree is ${int(totalLines)} lines: the target is for 1M)` : "";
  targetRow(
    "1M-line tree cold ≤ 4 s",
    `${sec(cold)}${scale}`,
    cold <= 4000,
    `${ratio(cold / 4000)} the target (${sec(cold - 4000)} over)`,
  );
  targetRow(
    "cold no slower than ruff-wasm, same tree, same run",
    `${sec(cold)} vs ${sec(ruffMed)}`,
    cold <= ruffMed,
    `dbfence takes ${ratio(cold / ruffMed)} ruff-wasm's time`,
  );
  targetRow(
    "unchanged re-check ≤ 1.5× read+hash",
    `${sec(recheck)} vs read+hash ${sec(rh)} (whole process) = ${ratio(recheck / rh)}`,
    recheck <= 1.5 * rh,
    `${ratio(recheck / (1.5 * rh))} the allowed ${sec(1.5 * rh)}`,
  );
  targetRow(
    "five staged files ≤ 400 ms wall incl. Node start",
    msStr(staged),
    staged <= 400,
    `${ratio(staged / 400)} the target`,
  );
  targetRow(
    "peak RSS ≤ 500 MB",
    `${mb(rssCold)} cold (max over all dbfence runs ${mb(rssAll)})`,
    rssAll <= 500,
    `${ratio(rssAll / 500)} the target`,
  );
  p(
    `| identical results with/without cache, 1 or N workers | cold with ${os.availableParallelism()} workers = cold \`--jobs 1\` = warm re-check, every round (and tests/perf/cache.test.ts, parallel.test.ts) | **met** | — |`,
  );
  p();

  p("#### Machine and commands");
  p();
  p("| | |");
  p("|---|---|");
  p(`| date | ${started.toISOString()} |`);
  p(`| \`nproc\` | ${sh("nproc", [])} |`);
  const free = sh("free", ["-h"]).split("\n");
  p(`| \`free -h\` | ${free.map((l) => l.replace(/\s+/g, " ").trim()).join("; ")} |`);
  p(`| CPU (\`/proc/cpuinfo\` model name) | ${cpuModel()} |`);
  p(`| kernel | ${os.type()} ${os.release()} |`);
  p(`| node | ${process.version} |`);
  p(`| git | ${sh("git", ["--version"])} |`);
  p(`| grep | ${sh("grep", ["--version"]).split("\n")[0]} |`);
  p(
    `| load average (1, 5, 15 min) | start ${loadStart.map((x) => x.toFixed(2)).join(" ")}; end ${loadEnd.map((x) => x.toFixed(2)).join(" ")} |`,
  );
  p();
  p("```sh");
  p(`npm run build && node dist/bench/speed.js --lines ${lines} --seed ${seed} --runs ${runs}`);
  p("# each round, in TREE (a throwaway git repository, everything committed):");
  p(
    "rm -rf TREE/.dbfence_cache; /usr/bin/time -v node dist/src/cli.js check --format json --jobs 1 TREE   # cold, one thread",
  );
  p(
    "rm -rf TREE/.dbfence_cache; /usr/bin/time -v node dist/src/cli.js check --format json TREE   # cold, then again (re-check)",
  );
  p(`echo '# edit' >> ${pick.one}; /usr/bin/time -v node dist/src/cli.js check --format json TREE`);
  p(`# edit 5 files; git add ${pick.five.join(" ")}`);
  p("/usr/bin/time -v node dist/src/cli.js check --staged --format json");
  p(`/usr/bin/time -v node dist/src/cli.js check --format json ${pick.five.join(" ")}`);
  p("/usr/bin/time -v bash bench/validate-connector-usage.sh TREE");
  p("/usr/bin/time -v node dist/bench/ruff-wasm.js TREE");
  p("/usr/bin/time -v node dist/bench/speed.js --read-hash TREE");
  p("```");
  process.stdout.write(`${out.join("\n")}\n`);

  if (scratch && !values.keep) fs.rmSync(scratch, { recursive: true, force: true });
  else log(`tree kept: ${tree}`);
}

main();
