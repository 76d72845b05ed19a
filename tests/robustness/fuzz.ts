/**
 * The fuzz campaign (issue 17), reproducible: seeded mutations of the corpus cases (../shared/corpus/cases)
 * and of the local CPython standard library (/usr/lib/python3*), checked by the real CLI in batches.
 * Every batch: exit 0 or 1 (never 2, 3 or a signal) within a timeout (no hang), no stack trace and no
 * "internal error", JSON that parses, a SARIF log valid against the SARIF 2.1.0 schema, GitHub and text
 * output produced, and cache on = cache off (a cold and a warm cached run report what `--no-cache` does).
 *
 * Full run (≥ 10,000 files; prints a summary, exits 1 on any failure):
 *   npx tsc -p tsconfig.json && node dist/tests/robustness/fuzz.js --files 10000 --seed 17
 * tests/robustness/fuzz.test.ts runs a small seeded sample of the same campaign.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compileDraft04, SARIF_SCHEMA_PATH } from "../reporters/ajv.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, "..", "..", "src", "cli.js");
const REPO = path.resolve(HERE, "..", "..", "..");
const CORPUS = path.resolve(REPO, "..", "shared", "corpus", "cases");
const CONNECTOR = path.join(REPO, "tests", "fixtures", "DBF104-driver-imports-all-forms", "core", "database.py");

/** mulberry32: a small seeded PRNG, the same sequence on every machine. */
export { rng } from "../../bench/generate.js";

import { rng } from "../../bench/generate.js";

function walk(dir: string, out: string[], limit: number): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (out.length >= limit) return;
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== "site-packages" && e.name !== "dist-packages") walk(p, out, limit);
    else if (e.isFile() && e.name.endsWith(".py")) out.push(p);
  }
}

/** The seed files: every corpus case's Python files, then the standard library's (sorted: reproducible). */
export function seedFiles(limit = 4000): string[] {
  const out: string[] = [];
  walk(CORPUS, out, limit);
  const libs = fs.existsSync("/usr/lib")
    ? fs
        .readdirSync("/usr/lib")
        .filter((d) => /^python3\.\d+$/.test(d))
        .sort()
    : [];
  for (const d of libs) walk(path.join("/usr/lib", d), out, limit);
  return out;
}

const SNIPPETS = [
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ":",
  "\n    ",
  "\n",
  "'",
  '"""',
  "\\",
  "#",
  "# noqa: DBF104",
  "  # dbfence: ignore[DBF201]",
  "async ",
  "await ",
  "lambda: ",
  "yield ",
  "import psycopg2\n",
  "from sqlalchemy.orm import Session\n",
  "session.execute(text('select 1'))\n",
  "@app.get('/x')\n",
  "def f(session: Session = Depends(get_db)):\n    ",
  "\t",
  "\u00e9",
  "\ud83d\ude00",
  "\u0000",
  "\r",
  "0x",
  "f'{",
  "match x:\n    case 1:\n        pass\n",
];

/** One seeded mutation of a text: a few edits of lines and characters. */
export function mutate(text: string, next: () => number): string {
  let lines = text.split("\n");
  const edits = 1 + Math.floor(next() * 4);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(next() * Math.max(1, lines.length));
    const op = Math.floor(next() * 7);
    if (op === 0) lines.splice(i, 1 + Math.floor(next() * 5));
    else if (op === 1) lines.splice(i, 0, lines[Math.floor(next() * lines.length)] ?? "");
    else if (op === 2) {
      const j = Math.floor(next() * lines.length);
      [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
    } else if (op === 3) lines = lines.slice(0, i);
    else if (op === 4) lines[i] = `${" ".repeat(Math.floor(next() * 9))}${lines[i] ?? ""}`;
    else {
      const line = lines[i] ?? "";
      const at = Math.floor(next() * (line.length + 1));
      const s = SNIPPETS[Math.floor(next() * SNIPPETS.length)] as string;
      lines[i] = line.slice(0, at) + s + line.slice(at);
    }
  }
  return lines.join("\n");
}

export interface Failure {
  batch: number;
  what: string;
}

interface Run {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function cli(root: string, args: string[], timeoutMs: number): Run {
  const r = spawnSync(process.execPath, [CLI, "check", ...args, "."], {
    cwd: root,
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

const strip = (json: string): unknown => {
  const doc = JSON.parse(json) as { summary?: { durationMs?: number } };
  if (doc.summary) doc.summary.durationMs = 0;
  return doc;
};

/** Runs one batch project through every check; returns what failed. */
function checkBatch(
  root: string,
  batch: number,
  timeoutMs: number,
  sarif: ReturnType<typeof compileDraft04>,
): Failure[] {
  const failures: Failure[] = [];
  const fail = (what: string): void => {
    failures.push({ batch, what });
  };
  const sane = (r: Run, what: string): boolean => {
    if (r.signal !== null) fail(`${what}: killed by ${r.signal} (hang or crash)`);
    else if (r.status !== 0 && r.status !== 1) fail(`${what}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
    else if (/\n\s+at /.test(r.stderr) || /internal error/i.test(r.stderr)) fail(`${what}: ${r.stderr.slice(0, 500)}`);
    else return true;
    return false;
  };
  const fresh = cli(root, ["--no-cache", "--format", "json"], timeoutMs);
  if (!sane(fresh, "json --no-cache")) return failures;
  let expected: unknown;
  try {
    expected = strip(fresh.stdout);
  } catch (e) {
    fail(`json does not parse: ${e}`);
    return failures;
  }
  for (const pass of ["cold", "warm"]) {
    const cached = cli(root, ["--format", "json"], timeoutMs);
    if (sane(cached, `json, cache ${pass}`) && JSON.stringify(strip(cached.stdout)) !== JSON.stringify(expected)) {
      fail(`cache ${pass}: the result differs from --no-cache`);
    }
  }
  const s = cli(root, ["--no-cache", "--format", "sarif"], timeoutMs);
  if (sane(s, "sarif")) {
    try {
      if (!sarif(JSON.parse(s.stdout))) fail(`sarif invalid: ${JSON.stringify(sarif.errors?.slice(0, 3))}`);
    } catch (e) {
      fail(`sarif does not parse: ${e}`);
    }
  }
  for (const format of ["github", "text"]) sane(cli(root, ["--no-cache", "--format", format], timeoutMs), format);
  return failures;
}

export interface CampaignOptions {
  files: number;
  seed: number;
  perBatch?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** The campaign: `files` mutated files in batches of `perBatch`, each batch one project. */
export function campaign(opts: CampaignOptions): { files: number; batches: number; failures: Failure[] } {
  const next = rng(opts.seed);
  const seeds = seedFiles();
  if (seeds.length === 0) throw new Error(`no seed files found in ${CORPUS} or /usr/lib/python3*`);
  const perBatch = opts.perBatch ?? 400;
  const sarif = compileDraft04(JSON.parse(fs.readFileSync(SARIF_SCHEMA_PATH, "utf8")) as object);
  const failures: Failure[] = [];
  let written = 0;
  let batch = 0;
  while (written < opts.files) {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-fuzz-")));
    try {
      fs.mkdirSync(path.join(root, "core"), { recursive: true });
      fs.writeFileSync(path.join(root, "dbfence.toml"), "");
      fs.writeFileSync(path.join(root, "core", "__init__.py"), "");
      fs.writeFileSync(path.join(root, "core", "database.py"), fs.readFileSync(CONNECTOR));
      const n = Math.min(perBatch, opts.files - written);
      for (let i = 0; i < n; i++) {
        const src = seeds[Math.floor(next() * seeds.length)] as string;
        const text = mutate(fs.readFileSync(src, "latin1"), next);
        const dir = path.join(root, `pkg${i % 20}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, `m${i}.py`), Buffer.from(text, "latin1"));
      }
      written += n;
      failures.push(...checkBatch(root, batch, opts.timeoutMs ?? 300_000, sarif));
      opts.log?.(`batch ${batch}: ${written}/${opts.files} files, ${failures.length} failures so far`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    batch++;
  }
  return { files: written, batches: batch, failures };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      files: { type: "string", default: "10000" },
      seed: { type: "string", default: "17" },
      batch: { type: "string", default: "400" },
    },
  });
  const r = campaign({
    files: Number(values.files),
    seed: Number(values.seed),
    perBatch: Number(values.batch),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(
    `fuzz: ${r.files} files in ${r.batches} batches (seed ${values.seed}): ${r.failures.length} failures\n${r.failures
      .map((f) => `  batch ${f.batch}: ${f.what}`)
      .join("\n")}\n`,
  );
  process.exitCode = r.failures.length === 0 ? 0 : 1;
}
