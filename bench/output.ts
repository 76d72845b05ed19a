/**
 * Output paths against analysis (issue 17): one file with very many findings, `noqa` lines or routes.
 * For each case, times in this process: the engine (`runCheck`: discovery, parsing, rules, suppressions),
 * fingerprints, baseline write + match, and each reporter (text, json, sarif, github). The output paths
 * should cost a small multiple of the analysis at most, and grow linearly.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/output.js [--findings 50000] [--noqa 100000] [--routes 20000]
 *
 * Prints a markdown table (what docs/benchmarks.md records). Measured by this script, never by tests.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.js";
import {
  fileSources,
  fingerprintFindings,
  makeBaseline,
  matchBaseline,
  parseBaseline,
  serializeBaseline,
} from "../src/engine/baseline.js";
import { runCheck } from "../src/engine/run.js";
import { formatResult, OUTPUT_FORMATS } from "../src/reporters/index.js";
import { ruleMetas } from "../src/rules/index.js";
import { type OutputCase, writeOutputProject } from "../tests/perf/output-inputs.js";

function timed<T>(f: () => T): [T, number] {
  const t = performance.now();
  const v = f();
  return [v, performance.now() - t];
}

function measure(kind: OutputCase, n: number): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `dbfence-bench-output-${kind}-`)));
  try {
    writeOutputProject(root, kind, n);
    const loaded = loadConfig({ startPath: root });
    const [result, engine] = timed(() => runCheck({ loaded, paths: [loaded.root], cacheDir: null }));
    const [prints, fp] = timed(() => fingerprintFindings(result.findings, fileSources(root)));
    const [, base] = timed(() => {
      const b = parseBaseline(serializeBaseline(makeBaseline(result.findings, prints, "0")), "b");
      return matchBaseline(result.findings, prints, b, () => true);
    });
    const sources = new Map<string, string[]>();
    const line = (rel: string, l: number): string | undefined => {
      let lines = sources.get(rel);
      if (!lines) {
        lines = fs.readFileSync(path.join(root, rel), "utf8").split("\n");
        sources.set(rel, lines);
      }
      return lines[l - 1];
    };
    const formats = OUTPUT_FORMATS.map((format) => {
      const [, ms] = timed(() => formatResult(format, result, ruleMetas(), { toolVersion: "0", sourceLine: line }));
      return ms;
    });
    const output = fp + base + formats.reduce((a, b) => a + b, 0);
    const cells = [engine, fp, base, ...formats].map((ms) => `${(ms / 1000).toFixed(2)} s`);
    return `| ${n.toLocaleString("en-US")} ${kind} | ${result.findings.length.toLocaleString("en-US")} | ${cells.join(" | ")} | ${(output / engine).toFixed(2)}× |`;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    findings: { type: "string", default: "50000" },
    noqa: { type: "string", default: "100000" },
    routes: { type: "string", default: "20000" },
  },
});
const rows = [
  measure("findings", Number(values.findings)),
  measure("noqa", Number(values.noqa)),
  measure("routes", Number(values.routes)),
];
process.stdout.write(
  [
    `| case | findings | engine | fingerprints | baseline | ${OUTPUT_FORMATS.join(" | ")} | output / engine |`,
    `|---|---|---|---|---|${OUTPUT_FORMATS.map(() => "---").join("|")}|---|`,
    ...rows,
    "",
    `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load ${os.loadavg()[0]?.toFixed(1)}`,
    "",
  ].join("\n"),
);
