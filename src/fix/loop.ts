/**
 * The fix loop, after Ruff: check, apply the applicable fixes of each file, check again, until no fix
 * applies or MAX_PASSES passes have run. Edited texts stay in memory (the engine reads them instead of
 * the files), so nothing is written until the caller decides to. A file whose edited text would not
 * parse keeps only the fixes that parse, one by one; the others are reported as problems.
 */
import { Buffer } from "node:buffer";
import fs from "node:fs";
import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import { runCheck } from "../engine/run.js";
import { decodePythonSource } from "../files/decode.js";
import { parsePython } from "../parser/index.js";
import { RULES_BY_CODE } from "../rules/index.js";
import type { CheckResult, Finding, Fix } from "../types.js";
import { applyFixes } from "./apply.js";

export const MAX_PASSES = 10;

export interface FixOptions {
  /** Also apply fixes marked unsafe (`--unsafe-fixes`). */
  unsafe: boolean;
  select?: string[];
  ignore?: string[];
  today?: string;
}

export interface FixedFile {
  /** Relative to the project root, `/` separators. */
  rel: string;
  abs: string;
  before: string;
  after: string;
  /** The file started with a UTF-8 byte order mark (kept when writing). */
  bom: boolean;
}

export interface AppliedFix {
  path: string;
  code: string;
  /** Where the finding was when its fix was applied (in that pass's text). */
  line: number;
  column: number;
  description: string;
  pass: number;
}

export interface FixOutcome {
  changedFiles: FixedFile[];
  applied: AppliedFix[];
  /** The check of the fixed texts: what is left. */
  remaining: CheckResult;
  passes: number;
  /** No applicable fix is left in `remaining`. */
  stable: boolean;
  /** One line each: fixes or files that could not be fixed, and why. */
  problems: string[];
}

/** Whether `--fix` (or `--fix --unsafe-fixes` when `unsafe`) applies this finding's fix. */
export function isApplicable(f: Finding, unsafe: boolean): boolean {
  if (!f.fix || f.fix.edits.length === 0) return false;
  const applicability = f.fix.applicability ?? RULES_BY_CODE.get(f.code)?.fix?.applicability ?? "unsafe";
  return applicability === "safe" || unsafe;
}

interface Original {
  text: string;
  bom: boolean;
}

/** Reads a file for fixing: only UTF-8 text that writes back byte for byte (BOM kept) is rewritten. */
function readOriginal(abs: string): Original | string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch (e) {
    return `cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  const decoded = decodePythonSource(bytes);
  if (!decoded.ok) return "it cannot be decoded";
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (!Buffer.from(decoded.text, "utf8").equals(bytes.subarray(bom ? 3 : 0))) {
    return "it is not UTF-8, and dbfence only rewrites UTF-8 files";
  }
  return { text: decoded.text, bom };
}

const parses = (text: string): boolean => parsePython(text).ok;

/** The fixes of one file that can go in together and still parse (all of them when possible). */
export function applyParsing(text: string, fixes: Fix[]): { output: string; applied: Fix[]; broken: Fix[] } {
  const all = applyFixes(text, fixes);
  if (parses(all.output)) return { output: all.output, applied: all.applied, broken: [] };
  const accepted: Fix[] = [];
  const broken: Fix[] = [];
  for (const fix of all.applied) {
    const trial = applyFixes(text, [...accepted, fix]);
    if (trial.applied.includes(fix) && parses(trial.output)) accepted.push(fix);
    else broken.push(fix);
  }
  const kept = applyFixes(text, accepted);
  return { output: kept.output, applied: kept.applied, broken };
}

export function fixProject(loaded: LoadedConfig, paths: string[], opts: FixOptions): FixOutcome {
  const { root } = loaded;
  const texts = new Map<string, string>();
  const originals = new Map<string, Original>();
  const refused = new Set<string>();
  const problems: string[] = [];
  const note = (line: string): void => {
    if (!problems.includes(line)) problems.push(line);
  };
  const check = (): CheckResult =>
    runCheck({
      loaded,
      paths,
      sources: texts,
      ...(opts.select ? { select: opts.select } : {}),
      ...(opts.ignore ? { ignore: opts.ignore } : {}),
      ...(opts.today ? { today: opts.today } : {}),
    });

  const applied: AppliedFix[] = [];
  let result = check();
  let passes = 0;
  while (passes < MAX_PASSES) {
    const byFile = new Map<string, Finding[]>();
    for (const f of result.findings) {
      if (!isApplicable(f, opts.unsafe) || refused.has(f.path)) continue;
      byFile.set(f.path, [...(byFile.get(f.path) ?? []), f]);
    }
    if (byFile.size === 0) break;
    passes++;
    let changed = false;
    for (const [rel, findings] of byFile) {
      const abs = path.join(root, ...rel.split("/"));
      let current = texts.get(abs);
      if (current === undefined) {
        const original = readOriginal(abs);
        if (typeof original === "string") {
          refused.add(rel);
          note(`${rel}: not fixed: ${original}`);
          continue;
        }
        originals.set(abs, original);
        current = original.text;
      }
      const owner = new Map<Fix, Finding>(findings.map((f) => [f.fix as Fix, f]));
      const outcome = applyParsing(current, [...owner.keys()]);
      for (const fix of outcome.broken) {
        const f = owner.get(fix) as Finding;
        note(`${rel}:${f.line}:${f.column}: ${f.code} fix not applied: the file would no longer parse`);
      }
      if (outcome.output === current) continue;
      texts.set(abs, outcome.output);
      changed = true;
      for (const fix of outcome.applied) {
        const f = owner.get(fix) as Finding;
        applied.push({
          path: rel,
          code: f.code,
          line: f.line,
          column: f.column,
          description: fix.description,
          pass: passes,
        });
      }
    }
    if (!changed) break;
    result = check();
  }

  const stable = !result.findings.some((f) => isApplicable(f, opts.unsafe) && !refused.has(f.path));
  if (!stable && passes === MAX_PASSES) note(`fixes did not settle after ${MAX_PASSES} passes; run again to continue`);
  const changedFiles: FixedFile[] = [];
  for (const [abs, after] of texts) {
    const original = originals.get(abs) as Original;
    if (after === original.text) continue;
    const rel = path.relative(root, abs).split(path.sep).join("/");
    changedFiles.push({ rel, abs, before: original.text, after, bom: original.bom });
  }
  changedFiles.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { changedFiles, applied, remaining: result, passes, stable, problems };
}

/** Writes the fixed texts back, keeping a byte order mark where there was one; returns the files it could not write. */
export function writeFixedFiles(files: readonly FixedFile[]): string[] {
  const failed: string[] = [];
  for (const f of files) {
    try {
      fs.writeFileSync(f.abs, (f.bom ? "\uFEFF" : "") + f.after, "utf8");
    } catch (e) {
      failed.push(`${f.rel}: not fixed: cannot write it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  return failed;
}
