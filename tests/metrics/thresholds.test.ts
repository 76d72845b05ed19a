/** Thresholds (config and judgement), coverage reports, and the text/JSON formats, as pure functions. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, defaultConfig, parseConfigText, type Thresholds } from "../../src/config/load.js";
import {
  CoverageError,
  checkThresholds,
  evaluateThresholds,
  formatMetricsJson,
  formatMetricsText,
  type Metrics,
  parseCoverage,
  readCoverage,
} from "../../src/metrics/index.js";
import { measure, PROJECTS } from "./helpers.js";

const DEFAULTS: Thresholds = {
  connectorUsagePointsMin: 50,
  asyncEndpointsPercentMin: 95,
  healthLatencyMsMax: 1000,
  coveragePercentMin: 80,
  violationsPerWeekMax: 0,
};

/** A Metrics object with the given usage points and handler counts, nothing else measured. */
function metrics(points: number, asyncCount: number, total: number, extra: Partial<Metrics> = {}): Metrics {
  const pct = total === 0 ? 100 : Math.round((asyncCount / total) * 1000) / 10;
  return {
    metricsVersion: 1,
    root: "/p",
    today: "2026-06-01",
    files: 1,
    connectorUsage: {
      points,
      sessionParameters: points,
      connectorCalls: 0,
      grepCount: 0,
      grepNames: ["get_db_session"],
      list: [],
    },
    routeHandlers: {
      total,
      async: asyncCount,
      sync: total - asyncCount,
      usingDatabase: 0,
      outsideApps: 0,
      asyncPercent: pct,
      none: total === 0,
      list: [],
    },
    findings: { total: 0, errors: 0, warnings: 0, byCode: [] },
    suppressions: { total: 0, dbfence: 0, noqa: 0, withoutReason: 0, unused: 0, byCode: [] },
    exceptions: { total: 0, active: 0, expired: 0, list: [] },
    coverage: null,
    healthLatencyMs: null,
    violationsPerWeek: null,
    ...extra,
  };
}

// --- config ------------------------------------------------------------------------------------

test("the defaults are the policy's: 50 points, 95 % async, 1000 ms, 80 % coverage, 0 violations a week", () => {
  assert.deepEqual(defaultConfig().thresholds, DEFAULTS);
});

test("[thresholds] in dbfence.toml and [tool.dbfence.thresholds] in pyproject.toml; a partial table keeps the rest", () => {
  const own = parseConfigText(
    "[thresholds]\nconnector-usage-points-min = 10\ncoverage-percent-min = 72.5\n",
    "dbfence.toml",
    "dbfence",
  );
  assert.deepEqual(own.thresholds, { ...DEFAULTS, connectorUsagePointsMin: 10, coveragePercentMin: 72.5 });
  const py = parseConfigText(
    '[project]\nname = "x"\n\n[tool.dbfence.thresholds]\nhealth-latency-ms-max = 500\nviolations-per-week-max = 2\n',
    "pyproject.toml",
    "pyproject",
  );
  assert.deepEqual(py.thresholds, { ...DEFAULTS, healthLatencyMsMax: 500, violationsPerWeekMax: 2 });
  const inline = parseConfigText("thresholds = { async-endpoints-percent-min = 100 }\n", "dbfence.toml", "dbfence");
  assert.equal(inline.thresholds.asyncEndpointsPercentMin, 100);
});

test("bad thresholds are configuration errors naming the key", () => {
  const cases: [string, string][] = [
    ["[thresholds]\ncoverage-percent-min = 120\n", "thresholds.coverage-percent-min: must be at most 100"],
    ["[thresholds]\nhealth-latency-ms-max = -1\n", "thresholds.health-latency-ms-max: must not be negative"],
    [
      "[thresholds]\nconnector-usage-points-min = 2.5\n",
      "thresholds.connector-usage-points-min: expected a whole number",
    ],
    [
      '[thresholds]\nasync-endpoints-percent-min = "95"\n',
      'thresholds.async-endpoints-percent-min: expected a percentage (0-100), got "95"',
    ],
    [
      "[thresholds]\ncoverage_percent_min = 80\n",
      "unknown key 'thresholds.coverage_percent_min' (did you mean 'thresholds.coverage-percent-min'?)",
    ],
    ["thresholds = 3\n", "thresholds: expected a table"],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseConfigText(text, "dbfence.toml", "dbfence"),
      (e: unknown) => e instanceof ConfigError && e.message.includes(message),
      `${JSON.stringify(text)} should fail with ${message}`,
    );
  }
});

// --- judgement ---------------------------------------------------------------------------------

test("each threshold is ok, broken or not measured; unmeasured inputs break nothing", () => {
  const results = evaluateThresholds(metrics(8, 6, 6), DEFAULTS);
  assert.deepEqual(
    results.map((r) => `${r.key} ${r.actual} ${r.status}`),
    [
      "connector-usage-points-min 8 broken",
      "async-endpoints-percent-min 100 ok",
      "health-latency-ms-max null not-measured",
      "coverage-percent-min null not-measured",
      "violations-per-week-max null not-measured",
    ],
  );
  assert.deepEqual(
    checkThresholds(metrics(8, 6, 6), DEFAULTS).map((b) => b.message),
    ["connector usage points: 8, needs ≥ 50 (thresholds.connector-usage-points-min)"],
  );
});

test("limits are inclusive: exactly at the limit passes", () => {
  const m = metrics(50, 19, 20, {
    coverage: { percent: 80, format: "cobertura", file: "coverage.xml" },
    healthLatencyMs: 1000,
    violationsPerWeek: 0,
  });
  assert.deepEqual(checkThresholds(m, DEFAULTS), []);
  assert.ok(evaluateThresholds(m, DEFAULTS).every((r) => r.status === "ok"));
});

test("the async share is judged from its counts: 94.95 % shows as 95 % but does not pass 95", () => {
  const m = metrics(60, 1899, 2000);
  assert.equal(m.routeHandlers.asyncPercent, 95);
  assert.deepEqual(
    checkThresholds(m, DEFAULTS).map((b) => b.key),
    ["async-endpoints-percent-min"],
  );
  assert.deepEqual(checkThresholds(metrics(60, 1900, 2000), DEFAULTS), []);
});

test("no handlers: 100 % passes any async threshold", () => {
  assert.deepEqual(checkThresholds(metrics(50, 0, 0), { ...DEFAULTS, asyncEndpointsPercentMin: 100 }), []);
});

test("extra measurements (probe, history) are judged and override the metrics' own", () => {
  const m = metrics(50, 1, 1, { healthLatencyMs: 10 });
  const broken = checkThresholds(m, DEFAULTS, { healthLatencyMs: 1500, violationsPerWeek: 3 });
  assert.deepEqual(
    broken.map((b) => b.message),
    [
      "health latency: 1500 ms, needs ≤ 1000 ms (thresholds.health-latency-ms-max)",
      "violations per week: 3, needs ≤ 0 (thresholds.violations-per-week-max)",
    ],
  );
  assert.deepEqual(checkThresholds(m, DEFAULTS), []);
});

test("configured thresholds replace the defaults", () => {
  const m = metrics(8, 3, 4, { coverage: { percent: 61.5, format: "coverage.py", file: "coverage.json" } });
  const relaxed = { ...DEFAULTS, connectorUsagePointsMin: 5, asyncEndpointsPercentMin: 75, coveragePercentMin: 60 };
  assert.deepEqual(checkThresholds(m, relaxed), []);
  assert.deepEqual(
    checkThresholds(m, DEFAULTS).map((b) => b.key),
    ["connector-usage-points-min", "async-endpoints-percent-min", "coverage-percent-min"],
  );
});

// --- coverage reports --------------------------------------------------------------------------

test("Cobertura: line-rate of the root <coverage>, past the prolog, DOCTYPE and comments", () => {
  const file = path.join(PROJECTS, "reports", "coverage.xml");
  assert.deepEqual(readCoverage(file), { percent: 85.68, format: "cobertura", file });
  const minimal = parseCoverage("<coverage line-rate='1'/>", "c.xml");
  assert.equal(minimal.percent, 100);
  const counts = parseCoverage('\uFEFF<coverage lines-valid="8" lines-covered="6">\n</coverage>', "c.xml");
  assert.equal(counts.percent, 75);
});

test("coverage.py JSON: totals.percent_covered, or covered_lines / num_statements", () => {
  const file = path.join(PROJECTS, "reports", "coverage.json");
  assert.deepEqual(readCoverage(file), { percent: 72.82, format: "coverage.py", file });
  assert.equal(parseCoverage('{"totals": {"covered_lines": 1, "num_statements": 3}}', "c.json").percent, 33.33);
  assert.equal(parseCoverage('{"totals": {"covered_lines": 0, "num_statements": 0}}', "c.json").percent, 100);
});

test("reports that cannot be understood are CoverageErrors naming the file", () => {
  const cases: [string, RegExp][] = [
    ["", /not a coverage report/],
    ["coverage: 80%", /not a coverage report/],
    ["{not json", /c: invalid JSON/],
    ['{"meta": {}}', /no "totals" object/],
    ['{"totals": {"percent_covered": "80"}}', /no numeric "percent_covered"/],
    ['<?xml version="1.0"?><report line-rate="0.8"/>', /root element is <report>/],
    ['<coverage line-rate="high">', /line-rate="high" is not a number/],
    ['<coverage version="1">', /no line-rate attribute/],
    ['<coverage line-rate="1.5">', /outside 0-100/],
    ["<", /not well-formed XML/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseCoverage(text, "c"),
      (e: unknown) => e instanceof CoverageError && message.test(e.message),
      text,
    );
  }
  const missing = path.join(PROJECTS, "reports", "nope.xml");
  assert.throws(() => readCoverage(missing), /nope\.xml: cannot read the coverage report \(ENOENT\)/);
  assert.ok(!fs.existsSync(missing));
});

// --- formats -----------------------------------------------------------------------------------

test("text: one row per metric with its threshold and a mark, then each broken threshold by name", () => {
  const { metrics: m, loaded } = measure(path.join(PROJECTS, "usage"));
  const text = formatMetricsText(m, evaluateThresholds(m, loaded.config.thresholds), "usage");
  const lines = text.split("\n");
  assert.equal(lines[0], "dbfence metrics for usage (14 files checked)");
  assert.match(text, /^connector usage points +13 +≥ 10 +✅$/m);
  assert.match(text, /^ {2}grep count \(get_db_session\) +10 \(the seed's grep, for comparison\)$/m);
  assert.match(text, /^async endpoints +75 % \(6 of 8\) +≥ 80 % +❌$/m);
  assert.match(text, /^test coverage +not measured +≥ 80 % +➖$/m);
  assert.match(text, /^ {2}DBF902 suppression-without-reason +2$/m);
  assert.match(text, /^exceptions +3 \(2 active, 1 expired\)$/m);
  assert.match(
    text,
    /^❌ 1 threshold broken:\n {2}async endpoints: 75 %, needs ≥ 80 % \(thresholds.async-endpoints-percent-min\)$/m,
  );
  assert.match(text, /^➖ 3 not measured, so not judged:$/m);
  assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"));
});

test("json: the Metrics object plus every threshold and the broken ones", () => {
  const { metrics: m, loaded } = measure(path.join(PROJECTS, "usage"));
  const json = JSON.parse(formatMetricsJson(m, evaluateThresholds(m, loaded.config.thresholds)));
  assert.equal(json.metricsVersion, 1);
  assert.deepEqual(json.connectorUsage, m.connectorUsage);
  assert.equal(json.thresholds.length, 5);
  assert.deepEqual(
    json.broken.map((b: { key: string; actual: number; limit: number }) => [b.key, b.actual, b.limit]),
    [["async-endpoints-percent-min", 75, 80]],
  );
});
