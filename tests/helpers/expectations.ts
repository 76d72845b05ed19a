/**
 * `# expect: CODE[, CODE]` labels (the format of ../shared/spec/CORPUS.md) and the comparison of a
 * fixture's labels with the engine's findings. Matching is on (path, line, code); several findings of
 * one code on one line count once, like the corpus scorer.
 */
import fs from "node:fs";
import path from "node:path";
import type { Finding } from "../../src/types.js";

/** Same pattern as ../shared/tools/score-corpus.py. */
const EXPECT = /#\s*expect:\s*([A-Z]{3}\d{3}(?:\s*,\s*[A-Z]{3}\d{3})*)/g;
const LABELLED = [".py", ".pyi", ".toml"];
/** Expectations for files that cannot carry a label (undecodable bytes): lines `path:line CODE`. */
export const EXTRA_EXPECTATIONS_FILE = "expected-extra.txt";

export interface Expectation {
  path: string;
  line: number;
  code: string;
}

export function keyOf(e: Expectation): string {
  return `${e.path}:${e.line} ${e.code}`;
}

/** Every file under `root` (posix paths relative to it), skipping dot-folders like the scorer. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".")) walk(path.join(dir, entry.name), rel);
      } else if (entry.isFile()) {
        out.push(rel);
      }
    }
  };
  walk(root, "");
  return out.sort();
}

/** Labels of one fixture folder: `# expect:` comments in .py/.pyi/.toml files plus `expected-extra.txt`. */
export function readExpectations(root: string): Expectation[] {
  const out: Expectation[] = [];
  for (const rel of listFiles(root)) {
    const abs = path.join(root, ...rel.split("/"));
    if (rel === EXTRA_EXPECTATIONS_FILE) {
      out.push(...parseExtra(fs.readFileSync(abs, "utf8"), abs));
      continue;
    }
    if (!LABELLED.some((ext) => rel.endsWith(ext))) continue;
    // Undecodable bytes become U+FFFD; a label elsewhere in such a file is still found (as the scorer does).
    const lines = fs.readFileSync(abs, "utf8").split(/\r\n|\r|\n/);
    lines.forEach((text, i) => {
      for (const m of text.matchAll(EXPECT)) {
        for (const code of m[1]!.split(/\s*,\s*/)) out.push({ path: rel, line: i + 1, code: code.trim() });
      }
    });
  }
  return out;
}

function parseExtra(text: string, file: string): Expectation[] {
  const out: Expectation[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(\S+):(\d+)\s+([A-Z]{3}\d{3})$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected "path:line CODE", got ${JSON.stringify(raw)}`);
    out.push({ path: m[1]!, line: Number(m[2]), code: m[3]! });
  });
  return out;
}

export interface Comparison {
  missing: string[];
  unexpected: string[];
}

/** Set comparison of labels and findings; `unexpected` lines carry the finding's message. */
export function compare(expected: Expectation[], findings: readonly Finding[]): Comparison {
  const want = new Set(expected.map(keyOf));
  const got = new Map<string, string[]>();
  for (const f of findings) {
    const k = keyOf(f);
    const messages = got.get(k) ?? [];
    messages.push(f.message);
    got.set(k, messages);
  }
  const byLocation = (a: string, b: string): number => {
    const pa = parseKey(a);
    const pb = parseKey(b);
    return pa.path.localeCompare(pb.path) || pa.line - pb.line || pa.code.localeCompare(pb.code);
  };
  const missing = [...want].filter((k) => !got.has(k)).sort(byLocation);
  const unexpected = [...got.keys()]
    .filter((k) => !want.has(k))
    .sort(byLocation)
    .map((k) => `${k} ${got.get(k)!.join(" | ")}`);
  return { missing, unexpected };
}

function parseKey(k: string): Expectation {
  const m = /^(.*):(\d+) (\S+)$/.exec(k)!;
  return { path: m[1]!, line: Number(m[2]), code: m[3]! };
}

/** A readable diff for an assertion message; "" when both sides agree. */
export function formatComparison(name: string, c: Comparison): string {
  if (c.missing.length === 0 && c.unexpected.length === 0) return "";
  const lines = [`fixture ${name}: labels and findings differ`];
  for (const m of c.missing) lines.push(`  missing:    ${m}`);
  for (const u of c.unexpected) lines.push(`  unexpected: ${u}`);
  return lines.join("\n");
}
