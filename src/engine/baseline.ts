/**
 * Fingerprints of findings and the baseline file (`.dbfence-baseline.json`).
 *
 * A fingerprint identifies a finding across unrelated edits: sha256 of the rule code, the file path,
 * the source text of the reported span with whitespace collapsed, and the finding's occurrence index
 * among findings with the same (code, path, text). Line and column are not part of it, so code added
 * above or below a finding leaves it alone; re-indenting or re-wrapping the reported expression does
 * too. Editing the reported expression itself, or moving it to another file, makes it a new finding.
 *
 * `check --diff` uses the same fingerprints to tell the findings of the working tree from those of a
 * git revision.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { decodePythonSource } from "../files/decode.js";
import type { Finding } from "../types.js";
import { TOOL_NAME } from "../types.js";

export const BASELINE_FILE = ".dbfence-baseline.json";
export const BASELINE_VERSION = 1;

/**
 * Codes `dbfence baseline` never records: a file that does not parse is not checked at all (DBF900),
 * and an expired exception must be renewed or its findings fixed, not hidden a second way (DBF903).
 */
export const NEVER_BASELINED: ReadonlySet<string> = new Set(["DBF900", "DBF903"]);

export interface BaselineEntry {
  fingerprint: string;
  code: string;
  /** Relative to the project root, `/` separators. */
  path: string;
  /** Informational: where the finding was when the baseline was written. Matching ignores it. */
  line: number;
  message: string;
}

export interface Baseline {
  version: 1;
  tool: { name: string; version: string };
  entries: BaselineEntry[];
}

/** A baseline file that cannot be read or is not a dbfence baseline (the CLI exits 2). */
export class BaselineError extends Error {}

/** The decoded text of a file by its root-relative path, or null when it cannot be read. */
export type SourceLookup = (rel: string) => string | null;

/** Reads files under `root` once each. */
export function fileSources(root: string): SourceLookup {
  const cache = new Map<string, string | null>();
  return (rel) => {
    if (cache.has(rel)) return cache.get(rel) ?? null;
    let text: string | null = null;
    try {
      const decoded = decodePythonSource(fs.readFileSync(path.resolve(root, rel)));
      text = decoded.ok ? decoded.text : null;
    } catch {
      text = null;
    }
    cache.set(rel, text);
    return text;
  };
}

/** The source of a finding's span: 1-based lines, code-point columns, end exclusive. */
export function spanText(text: string, f: Pick<Finding, "line" | "column" | "endLine" | "endColumn">): string {
  return new SourceLines(text).span(f);
}

/**
 * A file's text split into lines once, for many spans: fingerprinting 50,000 findings of one file must not
 * split it 50,000 times (docs/benchmarks.md). Lines without surrogate pairs (nearly all) are sliced by
 * UTF-16 index, which is then the code-point column; the others are converted to code points once.
 */
export class SourceLines {
  /**
   * Offset where each line starts (line n at index n - 1), found lazily up to the last line asked for: a
   * finding on line 1 of a file of millions of lines indexes one line.
   */
  private readonly starts: number[] = [0];
  /** Where indexing stopped; -1 once the whole text is indexed. */
  private scanned = 0;
  private readonly wide = new Map<number, string[]>();

  constructor(private readonly text: string) {}

  /** Indexes until line `n` starts (or the text ends). */
  private reach(n: number): void {
    const { text, starts } = this;
    let i = this.scanned;
    while (i >= 0 && starts.length < n) {
      if (i >= text.length) {
        i = -1;
        break;
      }
      const ch = text.charCodeAt(i);
      if (ch === 10) starts.push(i + 1);
      else if (ch === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
      i++;
    }
    this.scanned = i;
  }

  /** The text of 1-based line `n` without its line break (undefined past the end). */
  line(n: number): string | undefined {
    if (n < 1) return undefined;
    this.reach(n + 1);
    const start = this.starts[n - 1];
    if (start === undefined) return undefined;
    let end = this.starts[n] ?? this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }

  /** Code points `from`..`to` (0-based, end exclusive; `to` null: to the end) of 1-based line `n`. */
  private slice(n: number, from: number, to: number | null): string {
    const line = this.line(n) ?? "";
    if (!/[\uD800-\uDFFF]/.test(line)) return line.slice(from, to === null ? line.length : Math.max(from, to));
    let chars = this.wide.get(n);
    if (!chars) {
      chars = Array.from(line);
      this.wide.set(n, chars);
    }
    return chars.slice(from, to === null ? chars.length : Math.max(from, to)).join("");
  }

  span(f: Pick<Finding, "line" | "column" | "endLine" | "endColumn">): string {
    const out: string[] = [];
    for (let n = f.line; n <= Math.max(f.line, f.endLine) && this.line(n) !== undefined; n++) {
      const from = n === f.line ? Math.max(f.column, 1) - 1 : 0;
      out.push(this.slice(n, from, n === f.endLine ? Math.max(f.endColumn, 1) - 1 : null));
    }
    return out.join("\n");
  }
}

/** Whitespace runs become one space; leading and trailing whitespace goes. */
export function normaliseSource(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function positionOrder(a: Finding, b: Finding): number {
  return (
    a.line - b.line ||
    a.column - b.column ||
    a.endLine - b.endLine ||
    a.endColumn - b.endColumn ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

/** One fingerprint per finding, in the order of `findings`. */
export function fingerprintFindings(findings: readonly Finding[], source: SourceLookup): string[] {
  // Each file is split into lines once (per call), however many findings it has.
  const split = new Map<string, SourceLines | null>();
  const linesOf = (rel: string): SourceLines | null => {
    let s = split.get(rel);
    if (s === undefined) {
      const text = source(rel);
      s = text === null ? null : new SourceLines(text);
      split.set(rel, s);
    }
    return s;
  };
  const keys = findings.map((f) => {
    const lines = linesOf(f.path);
    return `${f.code}\0${f.path}\0${lines === null ? "" : normaliseSource(lines.span(f))}`;
  });
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  const out: string[] = new Array(findings.length);
  for (const [key, members] of groups) {
    members.sort((a, b) => positionOrder(findings[a] as Finding, findings[b] as Finding));
    members.forEach((i, occurrence) => {
      out[i] = createHash("sha256").update(`${key}\0${occurrence}`).digest("hex");
    });
  }
  return out;
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  const s = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return s(a.path, b.path) || a.line - b.line || s(a.code, b.code) || s(a.fingerprint, b.fingerprint);
}

/** The baseline of these findings (DBF900/DBF903 left out), entries sorted by path, line, code. */
export function makeBaseline(
  findings: readonly Finding[],
  fingerprints: readonly string[],
  toolVersion: string,
): Baseline {
  const entries: BaselineEntry[] = [];
  findings.forEach((f, i) => {
    if (NEVER_BASELINED.has(f.code)) return;
    entries.push({
      fingerprint: fingerprints[i] as string,
      code: f.code,
      path: f.path,
      line: f.line,
      message: f.message,
    });
  });
  return {
    version: BASELINE_VERSION,
    tool: { name: TOOL_NAME, version: toolVersion },
    entries: entries.sort(compareEntries),
  };
}

/** Two-space JSON with one entry per block and a trailing newline: diffs stay small and readable. */
export function serializeBaseline(b: Baseline): string {
  return `${JSON.stringify({ ...b, entries: [...b.entries].sort(compareEntries) }, null, 2)}\n`;
}

export function parseBaseline(text: string, shown: string): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new BaselineError(`${shown}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const bad = (what: string): never => {
    throw new BaselineError(`${shown}: not a dbfence baseline: ${what}; write it with 'dbfence baseline'`);
  };
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) bad("expected a JSON object");
  const o = doc as Record<string, unknown>;
  if (o.version !== BASELINE_VERSION) {
    bad(`'version' must be ${BASELINE_VERSION}, got ${JSON.stringify(o.version)}`);
  }
  if (!Array.isArray(o.entries)) bad("'entries' must be an array");
  const entries: BaselineEntry[] = [];
  (o.entries as unknown[]).forEach((e, i) => {
    const r = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
    const str = (k: string) =>
      typeof r[k] === "string" ? (r[k] as string) : bad(`entries[${i}].${k} must be a string`);
    entries.push({
      fingerprint: str("fingerprint"),
      code: str("code"),
      path: str("path"),
      line: typeof r.line === "number" ? r.line : 0,
      message: typeof r.message === "string" ? r.message : "",
    });
  });
  const tool = (typeof o.tool === "object" && o.tool !== null ? o.tool : {}) as Record<string, unknown>;
  return {
    version: BASELINE_VERSION,
    tool: { name: String(tool.name ?? TOOL_NAME), version: String(tool.version ?? "") },
    entries,
  };
}

/** Reads a baseline file; `shown` names it in messages. */
export function readBaseline(file: string, shown = file): Baseline {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BaselineError(
      `${shown}: ${code === "ENOENT" ? "baseline file not found" : `cannot read (${code ?? String(e)})`}`,
    );
  }
  return parseBaseline(text, shown);
}

export interface BaselineMatch {
  /** Findings not in the baseline: the ones to report. */
  kept: Finding[];
  /** Findings the baseline accounts for. */
  baselined: Finding[];
  /** Entries that match no finding although their file and code were checked: fixed (or edited) code. */
  stale: BaselineEntry[];
}

/**
 * Splits findings by the baseline. `inScope` says whether an entry's file and code were checked in
 * this run (PATHS and --select narrow a run): only those can be stale.
 */
export function matchBaseline(
  findings: readonly Finding[],
  fingerprints: readonly string[],
  baseline: Baseline,
  inScope: (entry: BaselineEntry) => boolean,
): BaselineMatch {
  const known = new Set(baseline.entries.map((e) => e.fingerprint));
  const seen = new Set<string>();
  const kept: Finding[] = [];
  const baselined: Finding[] = [];
  findings.forEach((f, i) => {
    const fp = fingerprints[i] as string;
    if (known.has(fp) && !NEVER_BASELINED.has(f.code)) {
      baselined.push(f);
      seen.add(fp);
    } else {
      kept.push(f);
    }
  });
  const stale = baseline.entries.filter((e) => !seen.has(e.fingerprint) && inScope(e)).sort(compareEntries);
  return { kept, baselined, stale };
}
