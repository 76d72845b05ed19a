/**
 * `dbfence metrics` end to end: the built CLI in a child process, on a copy of a fixture project inside a
 * real git repository made here (so `.gitignore` and `.git/info/exclude` apply as they do for users).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { dbfence } from "../cli/run.js";
import { PROJECTS } from "./helpers.js";

const created: string[] = [];
process.on("exit", () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=dbfence tests", "-c", "user.email=tests@dbfence.invalid", ...args], {
    cwd,
    stdio: "ignore",
  });
}

/**
 * A git repository holding the `usage` fixture under `backend/`, committed, plus a scratch file that
 * only `.git/info/exclude` hides. `edit` changes files of the copy before the commit.
 */
function repository(edit: Record<string, string> = {}): { repo: string; backend: string } {
  const repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-metrics-")));
  created.push(repo);
  const backend = path.join(repo, "backend");
  fs.cpSync(path.join(PROJECTS, "usage"), backend, { recursive: true });
  fs.cpSync(path.join(PROJECTS, "reports"), path.join(repo, "reports"), { recursive: true });
  for (const [rel, text] of Object.entries(edit)) fs.writeFileSync(path.join(backend, rel), text);
  git(repo, "init", "-q");
  fs.writeFileSync(path.join(repo, ".git", "info", "exclude"), "backend/local/\n");
  fs.mkdirSync(path.join(backend, "local"));
  fs.writeFileSync(
    path.join(backend, "local", "scratch.py"),
    "from core.database import get_db_session  # excluded by .git/info/exclude\nprint(get_db_session)\n",
  );
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "fixture");
  return { repo, backend };
}

interface Report {
  metricsVersion: number;
  root: string;
  files: number;
  connectorUsage: { points: number; sessionParameters: number; connectorCalls: number; grepCount: number };
  routeHandlers: { total: number; async: number; asyncPercent: number };
  findings: { total: number; byCode: { code: string; count: number }[] };
  exceptions: { active: number; expired: number };
  coverage: { percent: number; format: string } | null;
  healthLatencyMs: number | null;
  violationsPerWeek: number | null;
  thresholds: { key: string; status: string; actual: number | null }[];
  broken: { key: string; message: string }[];
}

const RELAXED = (usagePct: number) =>
  fs
    .readFileSync(path.join(PROJECTS, "usage", "dbfence.toml"), "utf8")
    .replace("async-endpoints-percent-min = 80", `async-endpoints-percent-min = ${usagePct}`);

describe("dbfence metrics in a git repository", { concurrency: true }, () => {
  test("text: the table, exit 0 without --check although a threshold is broken", async () => {
    const { backend } = repository();
    const r = await dbfence(["metrics"], backend);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^dbfence metrics for \. \(14 files checked\)$/m);
    assert.match(r.stdout, /^connector usage points +13 +≥ 10 +✅$/m);
    assert.match(r.stdout, /^async endpoints +75 % \(6 of 8\) +≥ 80 % +❌$/m);
    // The scratch file hidden by .git/info/exclude and generated/ (.gitignore) are not grepped.
    assert.match(r.stdout, /^ {2}grep count \(get_db_session\) +10 /m);
  });

  test("--check exits 1 and names each broken threshold", async () => {
    const { repo } = repository();
    const r = await dbfence(["metrics", "backend", "--check", "--health-latency-ms", "1500"], repo);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^❌ 2 thresholds broken:$/m);
    assert.match(r.stdout, /^ {2}async endpoints: 75 %, needs ≥ 80 % \(thresholds\.async-endpoints-percent-min\)$/m);
    assert.match(r.stdout, /^ {2}health latency: 1500 ms, needs ≤ 1000 ms \(thresholds\.health-latency-ms-max\)$/m);
    assert.match(r.stdout, /^dbfence metrics for backend /m);
  });

  test("--check exits 0 when every measured threshold is met; unmeasured ones break nothing", async () => {
    const { backend } = repository({ "dbfence.toml": RELAXED(75) });
    const r = await dbfence(["metrics", "--check"], backend);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^✅ every measured threshold is met$/m);
    assert.match(r.stdout, /^➖ 3 not measured, so not judged:$/m);
  });

  test("--format json with coverage, latency and violations inputs", async () => {
    const { repo } = repository({ "dbfence.toml": RELAXED(75) });
    const r = await dbfence(
      [
        "metrics",
        "backend",
        "--format",
        "json",
        "--check",
        "--coverage",
        "reports/coverage.xml",
        "--health-latency-ms",
        "120.5",
        "--violations-per-week",
        "2",
      ],
      repo,
    );
    assert.equal(r.status, 1, r.stderr);
    const j = JSON.parse(r.stdout) as Report;
    assert.equal(j.metricsVersion, 1);
    assert.equal(j.root, path.join(repo, "backend"));
    assert.deepEqual(
      [j.connectorUsage.points, j.connectorUsage.sessionParameters, j.connectorUsage.connectorCalls],
      [13, 9, 4],
    );
    assert.equal(j.connectorUsage.grepCount, 10);
    assert.deepEqual([j.routeHandlers.total, j.routeHandlers.async, j.routeHandlers.asyncPercent], [8, 6, 75]);
    assert.deepEqual(j.coverage, { percent: 85.68, format: "cobertura", file: "reports/coverage.xml" });
    assert.equal(j.healthLatencyMs, 120.5);
    assert.equal(j.violationsPerWeek, 2);
    assert.deepEqual(
      j.thresholds.map((t) => `${t.key} ${t.status}`),
      [
        "connector-usage-points-min ok",
        "async-endpoints-percent-min ok",
        "health-latency-ms-max ok",
        "coverage-percent-min ok",
        "violations-per-week-max broken",
      ],
    );
    assert.deepEqual(
      j.broken.map((b) => b.message),
      ["violations per week: 2, needs ≤ 0 (thresholds.violations-per-week-max)"],
    );
    assert.equal(
      j.findings.total,
      j.findings.byCode.reduce((n, c) => n + c.count, 0),
    );
  });

  test("a coverage.py JSON report below the threshold breaks it", async () => {
    const { repo } = repository({ "dbfence.toml": RELAXED(75) });
    const r = await dbfence(["metrics", "backend", "--check", "--coverage", "reports/coverage.json"], repo);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^test coverage +72\.82 % \(coverage\.py\) +≥ 80 % +❌$/m);
    assert.match(r.stdout, /^ {2}test coverage: 72\.82 %, needs ≥ 80 % \(thresholds\.coverage-percent-min\)$/m);
  });

  test("the thresholds of pyproject.toml [tool.dbfence.thresholds] apply", async () => {
    const { backend } = repository();
    fs.rmSync(path.join(backend, "dbfence.toml"));
    fs.writeFileSync(
      path.join(backend, "pyproject.toml"),
      '[project]\nname = "backend"\n\n[tool.dbfence.thresholds]\nconnector-usage-points-min = 14\nasync-endpoints-percent-min = 70\n',
    );
    const r = await dbfence(["metrics", "--check", "--format", "json"], backend);
    assert.equal(r.status, 1, r.stderr);
    const j = JSON.parse(r.stdout) as Report;
    assert.deepEqual(
      j.broken.map((b) => b.key),
      ["connector-usage-points-min"],
    );
  });
});

describe("dbfence metrics usage and configuration errors exit 2, with nothing on stdout", { concurrency: true }, () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ["a bad --format", ["--format", "sarif"], {}, /--format must be text or json, got 'sarif'/],
    [
      "a non-number latency",
      ["--health-latency-ms", "fast"],
      {},
      /--health-latency-ms must be a number ≥ 0, got 'fast'/,
    ],
    [
      "a negative violation count",
      ["--violations-per-week=-1"],
      {},
      /--violations-per-week must be a number ≥ 0, got '-1'/,
    ],
    [
      "a missing coverage report",
      ["--coverage", "nope.xml"],
      {},
      /--coverage: nope\.xml: cannot read the coverage report \(ENOENT\)/,
    ],
    ["a report of another kind", ["--coverage", "main.py"], {}, /--coverage: main\.py: not a coverage report/],
    [
      "a threshold out of range",
      [],
      { "dbfence.toml": "[thresholds]\ncoverage-percent-min = 101\n" },
      /dbfence\.toml: thresholds\.coverage-percent-min: must be at most 100/,
    ],
    ["an unknown option", ["--fail-under", "80"], {}, /fail-under/],
    ["a missing path", ["nowhere"], {}, /path 'nowhere' does not exist/],
  ];
  for (const [what, args, edit, message] of cases) {
    test(what, async () => {
      const { backend } = repository(edit);
      const r = await dbfence(["metrics", "--format", "json", ...args], backend);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
    });
  }
});

test("dbfence --help lists metrics; dbfence metrics --help shows its options", async () => {
  const { backend } = repository();
  const top = await dbfence(["--help"], backend);
  assert.match(top.stdout, /^ {2}dbfence metrics +policy metrics/m);
  const own = await dbfence(["metrics", "--help"], backend);
  assert.equal(own.status, 0);
  assert.match(own.stdout, /^Usage: dbfence metrics \[PATHS\.\.\.\] \[options\]/);
  for (const option of ["--check", "--coverage FILE", "--health-latency-ms N", "--violations-per-week N"]) {
    assert.ok(own.stdout.includes(option), option);
  }
});
