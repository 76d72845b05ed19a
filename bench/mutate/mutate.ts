/**
 * Mutation recall on a real repository: inject one known violation at a time and see whether dbfence reports
 * it, at the right line with the right code, and nothing else.
 *
 *   npm run build && node dist/bench/mutate/mutate.js REPO [--config FILE] [--cli PATH] [--seed N]
 *     [--per-operator N] [--operators a,b] [--session-types AsyncSession,...] [--no-cache] [--out FILE]
 *     [--name LABEL] [--keep-mutants DIR]
 *
 * - REPO is the project root (where its dbfence.toml is); `--config FILE` copies FILE there first as
 *   dbfence.toml (see bench/mutate/configs/ and docs/real-world.md). The repository is never left changed: each
 *   mutant rewrites one file, runs `node CLI check --format json REPO`, and restores the file (also on ^C).
 * - Sites come from bench/mutate/sites.py (Python's `ast`): only places where the violation is real by the
 *   catalog (see its docstring). `--seed` and `--per-operator` pick them (spread over functions); the variant of
 *   each operator (gather in a loop, a TaskGroup, a raw string bound to a name ...) is picked in turn.
 * - Each mutant's findings are compared with the baseline run: caught (expected code at the expected line),
 *   wrong-code (other findings at that line), missed; collateral = new findings at lines that were not mutated
 *   (line shifts mapped back), vanished = baseline findings that disappeared.
 * - Prints a markdown table; `--out` writes every mutant with its findings as JSON.
 * Measured by this script, never by tests.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/load.js";
import { discoverFiles } from "../../src/files/discover.js";
import {
  applyMutant,
  buildMutant,
  type ModuleInfo,
  type Mutant,
  OPERATORS,
  type Operator,
  prng,
  shuffled,
} from "./mutants.js";
import { countByKey, type Finding, type Scored, score } from "./score.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const SITES_PY = path.resolve(here, "../../../bench/mutate/sites.py");
const log = (message: string): void => {
  process.stderr.write(`[mutate] ${message}\n`);
};

interface Options {
  repo: string;
  cli: string;
  seed: number;
  perOperator: number;
  operators: Operator[];
  sessionTypes: string[];
  noCache: boolean;
  name: string;
  out: string | undefined;
  keep: string | undefined;
}

function options(): Options {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: "string" },
      cli: { type: "string" },
      seed: { type: "string", default: "1" },
      "per-operator": { type: "string", default: "10" },
      operators: { type: "string" },
      "session-types": { type: "string", default: "AsyncSession" },
      "no-cache": { type: "boolean", default: false },
      out: { type: "string" },
      name: { type: "string" },
      "keep-mutants": { type: "string" },
    },
  });
  const repo = path.resolve(positionals[0] ?? ".");
  if (values.config) fs.copyFileSync(values.config, path.join(repo, "dbfence.toml"));
  const ops = values.operators ? values.operators.split(",") : [...OPERATORS];
  for (const op of ops) if (!OPERATORS.includes(op as Operator)) throw new Error(`unknown operator ${op}`);
  return {
    repo,
    cli: path.resolve(values.cli ?? path.resolve(here, "../../src/cli.js")),
    seed: Number(values.seed),
    perOperator: Number(values["per-operator"]),
    operators: ops as Operator[],
    sessionTypes: values["session-types"].split(","),
    noCache: values["no-cache"],
    name: values.name ?? path.basename(repo),
    out: values.out,
    keep: values["keep-mutants"],
  };
}

function runDbfence(o: Options): { findings: Finding[]; ms: number } {
  const args = [o.cli, "check", "--format", "json", ...(o.noCache ? ["--no-cache"] : []), o.repo];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`dbfence exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const report = JSON.parse(r.stdout) as { findings: Finding[] };
  return { findings: report.findings, ms };
}

interface SiteReport {
  sites: Record<Operator, (Record<string, unknown> & { file: string })[]>;
  modules: Record<string, ModuleInfo>;
  skipped: { syntax: string[]; connector: number };
}

function findSites(o: Options): SiteReport {
  const loaded = loadConfig({ startPath: o.repo });
  const { config, root } = loaded;
  const files = discoverFiles({
    root,
    paths: [o.repo],
    include: config.include,
    exclude: config.exclude,
    respectGitignore: true,
  }).files.filter((f) => f.rel.endsWith(".py"));
  const connectorFiles: Record<string, string> = {};
  for (const mod of config.connector) {
    for (const src of config.src) {
      const stem = path.join(src, ...mod.split("."));
      for (const rel of [`${stem}.py`, path.join(stem, "__init__.py")]) {
        if (fs.existsSync(path.join(root, rel))) connectorFiles[rel.split(path.sep).join("/")] = mod;
      }
    }
  }
  const request = {
    root,
    files: files.map((f) => f.rel),
    connectorFiles,
    connectorApi: config.connectorApi,
    sessionDeps: config.sessionDependency,
    sessionTypes: o.sessionTypes,
  };
  const r = spawnSync("python3", [SITES_PY], { input: JSON.stringify(request), maxBuffer: 1 << 30, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sites.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as SiteReport;
}

/** N sites per operator, seeded, preferring functions (or files) not picked yet. */
function pickMutants(o: Options, report: SiteReport): Mutant[] {
  const rand = prng(o.seed);
  const mutants: Mutant[] = [];
  for (const op of o.operators) {
    const seen = new Set<string>();
    const order = shuffled(report.sites[op] ?? [], rand);
    const fresh = order.filter((s) => {
      const k = `${s.file}:${String(s.function ?? "")}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const picked = [...fresh, ...order.filter((s) => !fresh.includes(s))].slice(0, o.perOperator);
    picked.forEach((site, i) => {
      // Variants rotate in order; the connector-internal name is drawn at random.
      const v = op === "connector-internal" ? Math.floor(rand() * 1e9) : i;
      const m = buildMutant(op, site, v, report.modules);
      mutants.push({ ...m, id: `${op}#${i + 1}` });
    });
  }
  // Round-robin over the operators, so that an interrupted run has measured each of them.
  const nth = (m: Mutant): number => Number(m.id.split("#")[1]);
  return mutants.sort((a, b) => nth(a) - nth(b) || OPERATORS.indexOf(a.operator) - OPERATORS.indexOf(b.operator));
}

function parses(text: string): boolean {
  const r = spawnSync("python3", ["-c", "import ast,sys; ast.parse(sys.stdin.read())"], { input: text });
  return r.status === 0;
}

interface MutantResult extends Scored {
  id: string;
  operator: Operator;
  variant: string;
  expect: string;
  file: string;
  expectedLine: number;
  site: Record<string, unknown>;
  ms: number;
}

function runMutant(o: Options, m: Mutant, baseline: Map<string, Finding[]>): MutantResult {
  const abs = path.join(o.repo, m.file);
  const original = fs.readFileSync(abs, "utf8");
  const applied = applyMutant(original, m);
  const common = {
    id: m.id,
    operator: m.operator,
    variant: m.variant,
    expect: m.expect,
    file: m.file,
    expectedLine: applied.expectedLine,
    site: m.site,
  };
  if (o.keep) {
    const dest = path.join(o.keep, `${m.id.replace("#", "-")}.py`);
    fs.mkdirSync(o.keep, { recursive: true });
    fs.writeFileSync(dest, applied.text);
  }
  if (!parses(applied.text)) {
    return { ...common, verdict: "invalid", atExpectedLine: [], region: [], collateral: [], vanished: [], ms: 0 };
  }
  const restore = (): void => fs.writeFileSync(abs, original);
  process.once("SIGINT", restore);
  try {
    fs.writeFileSync(abs, applied.text);
    const { findings, ms } = runDbfence(o);
    return { ...common, ...score(m, applied, baseline, findings), ms };
  } finally {
    restore();
    process.removeListener("SIGINT", restore);
  }
}

/** "param 3/3, async-with 0/5": caught / mutants per kind of session binding (session operators only). */
function byBinding(rs: MutantResult[]): string {
  const kinds = new Map<string, [number, number]>();
  for (const r of rs) {
    const p = r.site.provenance;
    if (typeof p !== "string") continue;
    const kind = p.split(":")[0] ?? p;
    const c = kinds.get(kind) ?? [0, 0];
    kinds.set(kind, [c[0] + (r.verdict === "caught" ? 1 : 0), c[1] + 1]);
  }
  return [...kinds].map(([k, [a, b]]) => `${k} ${a}/${b}`).join(", ") || "–";
}

function table(o: Options, report: SiteReport, results: MutantResult[]): string {
  const rows = [
    `### ${o.name} (seed ${o.seed}, ${o.perOperator} per operator)`,
    "",
    "| operator | expect | sites | mutants | caught | wrong code | missed | recall | collateral | vanished | caught by session binding |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const op of o.operators) {
    const rs = results.filter((r) => r.operator === op && r.verdict !== "invalid");
    const n = (v: string): number => rs.filter((r) => r.verdict === v).length;
    const recall = rs.length ? (n("caught") / rs.length).toFixed(2) : "–";
    const coll = rs.reduce((a, r) => a + r.collateral.length, 0);
    const van = rs.reduce((a, r) => a + r.vanished.length, 0);
    const code = rs[0]?.expect ?? "";
    rows.push(
      `| ${op} | ${code} | ${report.sites[op]?.length ?? 0} | ${rs.length} | ${n("caught")} | ${n("wrong-code")} | ${n("missed")} | ${recall} | ${coll} | ${van} | ${byBinding(rs)} |`,
    );
  }
  const invalid = results.filter((r) => r.verdict === "invalid").length;
  if (invalid) rows.push("", `${invalid} mutant(s) did not parse and were not counted (harness defect).`);
  return rows.join("\n");
}

function main(): void {
  const o = options();
  log(`${o.name}: finding sites`);
  const report = findSites(o);
  log(
    `sites: ${o.operators.map((op) => `${op} ${report.sites[op]?.length ?? 0}`).join(", ")}; ` +
      `${report.skipped.syntax.length} files Python 3.11's ast cannot parse were skipped`,
  );
  const base = runDbfence(o);
  log(`baseline: ${base.findings.length} findings in ${(base.ms / 1000).toFixed(1)} s`);
  const baseline = countByKey(base.findings);
  const mutants = pickMutants(o, report);
  const results: MutantResult[] = [];
  for (const m of mutants) {
    const r = runMutant(o, m, baseline);
    results.push(r);
    log(`${m.id} ${m.variant} ${m.file}:${r.expectedLine} -> ${r.verdict} (${(r.ms / 1000).toFixed(1)} s)`);
    writeJson(o, report, base, results);
  }
  process.stdout.write(`${table(o, report, results)}\n`);
}

/** The `--out` report, rewritten after each mutant so that an interrupted run keeps what it measured. */
function writeJson(
  o: Options,
  report: SiteReport,
  base: { findings: Finding[]; ms: number },
  results: MutantResult[],
): void {
  if (!o.out) return;
  const json = {
    repo: o.name,
    root: o.repo,
    cli: o.cli,
    seed: o.seed,
    perOperator: o.perOperator,
    baseline: { findings: base.findings.length, ms: Math.round(base.ms), list: base.findings },
    sites: Object.fromEntries(o.operators.map((op) => [op, report.sites[op]?.length ?? 0])),
    skippedSyntax: report.skipped.syntax,
    mutants: results,
  };
  fs.writeFileSync(o.out, `${JSON.stringify(json, null, 1)}\n`);
}

main();
