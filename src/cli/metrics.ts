/** `dbfence metrics`: the policy's metrics computed from the code, judged against `[thresholds]`. */

import path from "node:path";
import { parseArgs } from "node:util";
import { runCheck } from "../engine/run.js";
import {
  type Coverage,
  CoverageError,
  computeMetrics,
  evaluateThresholds,
  formatMetricsJson,
  formatMetricsText,
  readCoverage,
} from "../metrics/index.js";
import { sanitizePath } from "../reporters/text.js";
import { type Command, fail, loadProject } from "./common.js";

function nonNegative(value: string | undefined, option: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) fail(`${option} must be a number ≥ 0, got '${value}'`);
  return n;
}

export const metricsCommand: Command = {
  name: "metrics",
  summary: "policy metrics (usage points, async endpoints, findings, coverage) against the thresholds",
  help: `Usage: dbfence metrics [PATHS...] [options]

Options:
  --format text|json           output format (default: text)
  --config FILE                use this config file instead of discovering one
  --check                      exit 1 when a measured metric breaks a threshold ([thresholds] in the config)
  --coverage FILE              test coverage from a Cobertura coverage.xml or a coverage.py coverage.json
  --health-latency-ms N        the health endpoint's latency (e.g. dbfence probe's p95)
  --violations-per-week N      new violations per week (from the finding history)

Metrics without an input (coverage, health latency, violations per week) are "not measured" and break
no threshold. Definitions: docs/commands/metrics.md.

Exit codes: 0 (also when thresholds are broken, unless --check), 1 with --check when a threshold is
broken, 2 usage or configuration error.
`,
  run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "text" },
        config: { type: "string" },
        check: { type: "boolean", default: false },
        coverage: { type: "string" },
        "health-latency-ms": { type: "string" },
        "violations-per-week": { type: "string" },
      },
    });
    const format = values.format as string;
    if (format !== "text" && format !== "json") fail(`--format must be text or json, got '${format}'`);
    const healthLatencyMs = nonNegative(values["health-latency-ms"], "--health-latency-ms");
    const violationsPerWeek = nonNegative(values["violations-per-week"], "--violations-per-week");
    let coverage: Coverage | null = null;
    if (values.coverage !== undefined) {
      try {
        coverage = readCoverage(values.coverage);
      } catch (e) {
        if (e instanceof CoverageError) fail(`--coverage: ${e.message}`);
        throw e;
      }
    }
    const { loaded, paths } = loadProject(positionals, values.config);
    const today = new Date().toISOString().slice(0, 10);
    const result = runCheck({ loaded, paths, today });
    for (const n of result.notices) process.stderr.write(`dbfence: warning: ${sanitizePath(n)}\n`);
    const metrics = computeMetrics(loaded, result, { paths, today, coverage, healthLatencyMs, violationsPerWeek });
    const thresholds = evaluateThresholds(metrics, loaded.config.thresholds);
    const shownRoot = path.relative(process.cwd(), loaded.root).split(path.sep).join("/") || ".";
    process.stdout.write(
      format === "json" ? formatMetricsJson(metrics, thresholds) : formatMetricsText(metrics, thresholds, shownRoot),
    );
    return values.check && thresholds.some((t) => t.status === "broken") ? 1 : 0;
  },
};
