/**
 * Merges the `--out` JSON files of several bench/mutate runs into one markdown report: recall per operator and
 * repository, totals, and every miss / wrong code / collateral finding with its site (for routing fixes).
 *
 *   node dist/bench/mutate/summary.js OUT1.json OUT2.json ...
 */
import fs from "node:fs";

interface Finding {
  code: string;
  path: string;
  line: number;
  message: string;
}
interface Result {
  id: string;
  operator: string;
  variant: string;
  expect: string;
  file: string;
  expectedLine: number;
  verdict: string;
  site: Record<string, unknown>;
  atExpectedLine: Finding[];
  region: Finding[];
  collateral: Finding[];
  vanished: Finding[];
}
interface Run {
  repo: string;
  seed: number;
  perOperator: number;
  baseline: { findings: number; ms: number };
  sites: Record<string, number>;
  mutants: Result[];
}

const runs = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as Run);
const operators = [...new Set(runs.flatMap((r) => r.mutants.map((m) => m.operator)))];
const counted = (ms: Result[]): Result[] => ms.filter((m) => m.verdict !== "invalid");
const cell = (ms: Result[]): string => {
  const c = counted(ms);
  if (c.length === 0) return "–";
  const caught = c.filter((m) => m.verdict === "caught").length;
  const wrong = c.filter((m) => m.verdict === "wrong-code").length;
  return `${caught}/${c.length}${wrong ? ` (${wrong} wrong code)` : ""}`;
};

const out: string[] = [];
out.push(`| operator | expect | ${runs.map((r) => r.repo).join(" | ")} | all | recall |`);
out.push(`|---|---|${runs.map(() => "---|").join("")}---|---|`);
for (const op of operators) {
  const all = runs.flatMap((r) => r.mutants.filter((m) => m.operator === op));
  const c = counted(all);
  const recall = c.length ? (c.filter((m) => m.verdict === "caught").length / c.length).toFixed(2) : "–";
  const code = all[0]?.expect ?? "";
  const perRepo = runs.map((r) => cell(r.mutants.filter((m) => m.operator === op)));
  out.push(`| ${op} | ${code} | ${perRepo.join(" | ")} | ${cell(all)} | ${recall} |`);
}
const coll = runs.map((r) => r.mutants.reduce((a, m) => a + m.collateral.length, 0));
const van = runs.map((r) => r.mutants.reduce((a, m) => a + m.vanished.length, 0));
out.push(`| collateral findings | | ${coll.join(" | ")} | ${coll.reduce((a, b) => a + b, 0)} | |`);
out.push(`| vanished baseline findings | | ${van.join(" | ")} | ${van.reduce((a, b) => a + b, 0)} | |`);
out.push("");
out.push("Not caught (miss or wrong code), collateral and vanished findings:");
out.push("");
for (const r of runs) {
  for (const m of r.mutants) {
    const where = `${r.repo} ${m.id} (${m.variant}) ${m.file}:${m.expectedLine}`;
    const binding = typeof m.site.provenance === "string" ? ` — session from ${m.site.provenance}` : "";
    if (m.verdict === "missed" || m.verdict === "wrong-code" || m.verdict === "invalid") {
      const got = m.region.map((f) => `${f.code}@${f.line}`).join(", ") || "nothing";
      out.push(`- ${m.verdict}: ${where}${binding}; mutant lines got ${got}`);
    }
    for (const f of m.collateral) out.push(`- collateral: ${where}: ${f.code} ${f.path}:${f.line} ${f.message}`);
    for (const f of m.vanished) out.push(`- vanished: ${where}: ${f.code} ${f.path}:${f.line} ${f.message}`);
  }
}
process.stdout.write(`${out.join("\n")}\n`);
