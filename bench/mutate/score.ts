/**
 * Scoring for bench/mutate: a mutant's findings against the untouched repository's (baseline) findings.
 * Findings in other files are compared by (code, path, line); in the mutated file, lines are mapped back to the
 * original ones first, and findings on inserted or edited lines belong to the mutant (its "region").
 */
import type { Applied, Mutant } from "./mutants.js";

export interface Finding {
  code: string;
  path: string;
  line: number;
  column: number;
  message: string;
}

export type Verdict = "caught" | "wrong-code" | "missed" | "invalid";

export interface Scored {
  verdict: Verdict;
  /** The finding at the expected line with the expected code, or those with other codes there. */
  atExpectedLine: Finding[];
  /** New findings on the mutant's own lines (inserted or edited), the expected one included. */
  region: Finding[];
  /** New findings at lines that were not mutated (after mapping line shifts). */
  collateral: Finding[];
  /** Baseline findings that disappeared. */
  vanished: Finding[];
}

const key = (f: { code: string; path: string; line: number }): string => `${f.code}\u0000${f.path}\u0000${f.line}`;

export function countByKey(findings: Finding[]): Map<string, Finding[]> {
  const m = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = key(f);
    const list = m.get(k);
    if (list) list.push(f);
    else m.set(k, [f]);
  }
  return m;
}

function inRegion(m: Mutant, origLine: number): boolean {
  return m.region.some(([a, b]) => origLine >= a && origLine <= b);
}

export function score(m: Mutant, applied: Applied, baseline: Map<string, Finding[]>, found: Finding[]): Scored {
  const region: Finding[] = [];
  const mapped: Finding[] = [];
  for (const f of found) {
    if (f.path !== m.file) {
      mapped.push(f);
      continue;
    }
    const orig = applied.newToOrig[f.line] ?? 0;
    if (orig === 0 || inRegion(m, orig)) region.push(f);
    else mapped.push({ ...f, line: orig });
  }
  const now = countByKey(mapped);
  const collateral: Finding[] = [];
  const vanished: Finding[] = [];
  for (const [k, list] of now) {
    const before = baseline.get(k)?.length ?? 0;
    collateral.push(...list.slice(before));
  }
  for (const [k, list] of baseline) {
    const after = now.get(k)?.length ?? 0;
    vanished.push(...list.slice(after).filter((f) => f.path !== m.file || !inRegion(m, f.line)));
  }
  const atLine = found.filter((f) => f.path === m.file && f.line === applied.expectedLine);
  const hit = atLine.filter((f) => f.code === m.expect);
  const verdict: Verdict =
    found.some((f) => f.path === m.file && f.code === "DBF900") || applied.expectedLine < 1
      ? "invalid"
      : hit.length > 0
        ? "caught"
        : atLine.length > 0
          ? "wrong-code"
          : "missed";
  return { verdict, atExpectedLine: atLine, region, collateral, vanished };
}
