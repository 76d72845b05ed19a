/** Where the metrics fixtures live (the tests run from dist/tests/metrics/; the projects stay in the source tree). */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadedConfig, loadConfig } from "../../src/config/load.js";
import { runCheck } from "../../src/engine/run.js";
import { computeMetrics, type Metrics, type MetricsOptions } from "../../src/metrics/index.js";
import type { CheckResult } from "../../src/types.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const PROJECTS = path.join(REPO, "tests", "metrics", "projects");
export const EXAMPLES = path.join(REPO, "examples");
export const TODAY = "2026-06-01";

export interface Measured {
  loaded: LoadedConfig;
  result: CheckResult;
  metrics: Metrics;
}

/** `runCheck` then `computeMetrics` on a project folder, the way the CLI does it. */
export function measure(dir: string, options: MetricsOptions = {}): Measured {
  const loaded = loadConfig({ startPath: dir });
  const paths = options.paths ?? [loaded.root];
  const result = runCheck({ loaded, paths, today: options.today ?? TODAY });
  const metrics = computeMetrics(loaded, result, { today: TODAY, ...options, paths });
  return { loaded, result, metrics };
}
