/**
 * Benchmark: `dbfence check` over this machine's Python standard library, as a whole process, 3 runs.
 * Prints median wall time, peak RSS (from /usr/bin/time -v), files, size and findings per code.
 * Run: npm run build && node dist/bench/stdlib.js
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/cli.js");
const stdlib = execFileSync("python3", ["-c", "import sysconfig;print(sysconfig.get_paths()['stdlib'])"], {
  encoding: "utf8",
}).trim();

interface Run {
  seconds: number;
  maxRssMb: number;
  summary: { files: number; findings: number; durationMs: number };
  byCode: Record<string, number>;
  dbf900: string[];
}

function once(): Run {
  const r = spawnSync("/usr/bin/time", ["-v", process.execPath, cli, "check", "--format", "json", stdlib], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`dbfence exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const out = JSON.parse(r.stdout) as {
    summary: Run["summary"];
    findings: { code: string; path: string; line: number }[];
  };
  const byCode: Record<string, number> = {};
  for (const f of out.findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  return {
    seconds: wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : Number.NaN,
    maxRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
    summary: out.summary,
    byCode,
    dbf900: out.findings.filter((f) => f.code === "DBF900").map((f) => `${f.path}:${f.line}`),
  };
}

const runs = [once(), once(), once()];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const bytes = Number(
  execFileSync(
    "bash",
    ["-c", `find '${stdlib}' -name '*.py' -not -path '*/site-packages/*' -print0 | xargs -0 cat | wc -c`],
    {
      encoding: "utf8",
    },
  ).trim(),
);
const last = runs[runs.length - 1] as Run;
const seconds = median(runs.map((r) => r.seconds));
console.log(`| stdlib | ${stdlib} |`);
console.log(`| files checked | ${last.summary.files} |`);
console.log(`| source size | ${(bytes / 1e6).toFixed(1)} MB |`);
console.log(
  `| wall time (median of 3) | ${seconds.toFixed(2)} s (runs: ${runs.map((r) => r.seconds.toFixed(2)).join(", ")}) |`,
);
console.log(`| throughput | ${(bytes / 1e6 / seconds).toFixed(1)} MB/s |`);
console.log(`| peak RSS (median) | ${median(runs.map((r) => r.maxRssMb)).toFixed(0)} MB |`);
console.log(
  `| findings per code | ${Object.entries(last.byCode)
    .map(([c, n]) => `${c}: ${n}`)
    .join(", ")} |`,
);
console.log(`| DBF900 files | ${last.dbf900.join(", ")} |`);
