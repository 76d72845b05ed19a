/** `dbfence probe URL`: health endpoint latency and status, for the policy's "answers in under a second". */
import { parseArgs } from "node:util";
import { formatProbeText, probe } from "../probe/probe.js";
import { type Command, fail } from "./common.js";

function positiveInt(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`${option} must be a positive whole number, got '${value}'`);
  return n;
}

export const probeCommand: Command = {
  name: "probe",
  summary: "call an app's /health/db N times: status, p50/p95/max latency, threshold",
  help: `Usage: dbfence probe URL [options]

Options:
  --count N            requests to send, one after another (default 20)
  --timeout-ms N       per-request timeout (default 5000)
  --threshold-ms N     p95 latency a healthy endpoint stays under (default 1000; the policy's ideal is 500)
  --format text|json   output format (default text)

Exit codes: 0 healthy (every request 2xx and p95 within the threshold), 1 not healthy, 2 usage error.
`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        count: { type: "string" },
        "timeout-ms": { type: "string" },
        "threshold-ms": { type: "string" },
        format: { type: "string", default: "text" },
      },
    });
    const url = positionals[0];
    if (!url || positionals.length > 1)
      fail("probe takes exactly one URL, e.g. dbfence probe http://127.0.0.1:8000/health/db");
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      fail(`'${url}' is not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      fail(`'${url}' must be an http:// or https:// URL`);
    if (values.format !== "text" && values.format !== "json")
      fail(`--format must be text or json, got '${values.format}'`);
    const result = await probe({
      url,
      count: positiveInt(values.count, "--count", 20),
      timeoutMs: positiveInt(values["timeout-ms"], "--timeout-ms", 5000),
      thresholdMs: positiveInt(values["threshold-ms"], "--threshold-ms", 1000),
    });
    process.stdout.write(values.format === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatProbeText(result));
    return result.healthy ? 0 : 1;
  },
};
