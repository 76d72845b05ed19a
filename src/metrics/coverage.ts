/**
 * Test coverage from a report file, without an XML or JSON-schema dependency: a Cobertura
 * `coverage.xml` (the `line-rate` attribute of its root `<coverage>` element, as written by
 * coverage.py, pytest-cov, gcovr, ...) or a coverage.py `coverage.json` (`totals.percent_covered`).
 */
import fs from "node:fs";

export interface Coverage {
  /** Percent of lines covered (coverage.py JSON: of statements, and branches when measured), two decimals. */
  percent: number;
  format: "cobertura" | "coverage.py";
  /** The report file as given. */
  file: string;
}

/** A report that cannot be read or understood; the CLI turns it into a usage error (exit 2). */
export class CoverageError extends Error {}

export function readCoverage(file: string): Coverage {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CoverageError(`${file}: cannot read the coverage report (${code ?? String(e)})`);
  }
  return parseCoverage(text, file);
}

/** Parses a report's text; `file` names it in messages. The format is recognised from the content. */
export function parseCoverage(text: string, file: string): Coverage {
  const body = text.replace(/^\uFEFF/, "").trimStart();
  if (body.startsWith("{")) return { percent: round2(coveragePyPercent(body, file)), format: "coverage.py", file };
  if (body.startsWith("<")) return { percent: round2(coberturaPercent(body, file)), format: "cobertura", file };
  throw new CoverageError(
    `${file}: not a coverage report (expected Cobertura XML such as coverage.xml, or coverage.py JSON such as coverage.json)`,
  );
}

function coveragePyPercent(text: string, file: string): number {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CoverageError(`${file}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const totals = (data as { totals?: unknown } | null)?.totals;
  if (totals === null || typeof totals !== "object") {
    throw new CoverageError(`${file}: no "totals" object; is this a coverage.py JSON report (coverage json)?`);
  }
  const t = totals as Record<string, unknown>;
  if (typeof t.percent_covered === "number" && Number.isFinite(t.percent_covered)) {
    return checkPercent(t.percent_covered, file, "totals.percent_covered");
  }
  if (typeof t.covered_lines === "number" && typeof t.num_statements === "number") {
    return t.num_statements === 0 ? 100 : checkPercent((t.covered_lines / t.num_statements) * 100, file, "totals");
  }
  throw new CoverageError(`${file}: "totals" has no numeric "percent_covered"`);
}

function coberturaPercent(text: string, file: string): number {
  // Skip the prolog: the XML declaration, processing instructions, comments and a DOCTYPE.
  const body = text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?[^>]*>/gi, "").trimStart();
  const root = /^<([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(body);
  if (!root) throw new CoverageError(`${file}: not well-formed XML at the root element`);
  if (root[1] !== "coverage") {
    throw new CoverageError(`${file}: the root element is <${root[1]}>, not a Cobertura <coverage>`);
  }
  const attrs = new Map<string, string>();
  for (const m of (root[2] ?? "").matchAll(/([^\s=>/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attrs.set(m[1] as string, m[2] ?? m[3] ?? "");
  }
  const rate = attrs.get("line-rate");
  if (rate !== undefined) {
    const value = Number(rate);
    if (rate.trim() === "" || !Number.isFinite(value)) {
      throw new CoverageError(`${file}: line-rate="${rate}" is not a number`);
    }
    return checkPercent(value * 100, file, "line-rate");
  }
  const covered = Number(attrs.get("lines-covered"));
  const valid = Number(attrs.get("lines-valid"));
  if (attrs.has("lines-covered") && attrs.has("lines-valid") && Number.isFinite(covered) && Number.isFinite(valid)) {
    return valid === 0 ? 100 : checkPercent((covered / valid) * 100, file, "lines-covered/lines-valid");
  }
  throw new CoverageError(`${file}: <coverage> has no line-rate attribute`);
}

function checkPercent(value: number, file: string, what: string): number {
  if (value < 0 || value > 100) throw new CoverageError(`${file}: ${what} gives ${value} %, outside 0-100`);
  return value;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
