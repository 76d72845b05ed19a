/**
 * One file of a run, and what can be done to it: read and hash it, parse and summarise it, check it.
 * Shared by the engine (src/engine/run.ts) and its worker threads (src/engine/worker.ts), so that a file
 * gets the same facts and findings wherever it is handled.
 */
import fs from "node:fs";
import { blobHash, lines, type Reads, sha1, suppressionComments } from "../cache/store.js";
import type { DbfenceConfig } from "../config/load.js";
import { decodePythonSource } from "../files/decode.js";
import type { DiscoveredFile } from "../files/discover.js";
import type { Comment, Module } from "../parser/ast.js";
import { parsePython } from "../parser/index.js";
import { LineMap } from "../parser/lines.js";
import { RULES } from "../rules/index.js";
import type { RuleContext } from "../rules/rule.js";
import { analyzeModule } from "../semantic/analysis.js";
import { calledNames } from "../semantic/callgraph.js";
import type { TypeInference } from "../semantic/infer.js";
import { hasWiring, importedNamePairs, registersEndpoints } from "../semantic/project.js";
import { type ModuleSummary, reviveSummary, summarizeModule } from "../semantic/summary.js";
import type { Finding, Fix, Severity } from "../types.js";
import { bytesOverBudget, textOverBudget } from "./budget.js";
import { importedModules, type WordMatcher } from "./prefilter.js";

/** Where file contents come from when not from disk. */
export interface SourceAccess {
  /** Texts that stand in for files on disk (absolute path → decoded text). */
  sources?: ReadonlyMap<string, string> | undefined;
  /** A snapshot's reader (the git index), for files not in `sources`. */
  read?: ((abs: string) => Uint8Array) | undefined;
}

/** What parsing a file needs to know of the run: the prefilter's words, the project's top-level names. */
export interface ParseEnv {
  matcher: WordMatcher;
  /** WEB_ROOTS: can the file itself lead to FastAPI/Starlette? */
  web: WordMatcher;
  tops: ReadonlySet<string>;
}

/** The facts of a file that cross threads and go into the cache: plain data, no tree, no summary. */
export interface FileFacts {
  /** A hash of everything the module summary is built from; null when the file is a DBF900. */
  summaryHash: string | null;
  error: Finding | null;
  seeded: boolean;
  /** The text spells a WEB_ROOTS word. */
  web: boolean;
  imports: string[];
  names: string[];
  /** Names the module calls things by: the call graph finds callers with them. */
  calls: string[];
  wired: boolean;
  registers: boolean;
  comments: Comment[];
  /** The file changed or went away after it was hashed: nothing about it may be cached. */
  volatile: boolean;
}

/**
 * One file of the run. Its facts come from the cache when its bytes are unchanged, else from parsing it;
 * its summary is built on demand (the project index is lazy) and its tree is kept only while its rule
 * pass may still need it.
 */
export interface FileRecord extends FileFacts {
  file: DiscoveredFile;
  module: string;
  isPackage: boolean;
  blob: string;
  /** The cached rule pass, still to be validated against its read set. */
  cachedCheck: { findings: Finding[]; reads: Reads } | null;
  /** Imports and names as the cache stores them (newline-joined), until `importsOf`/`namesOf` split them. */
  raw: { imports: string; names: string; calls: string } | null;
  /** The summary as JSON (from a worker or the cache's summary store), revived when first asked for. */
  summaryJson: string | null;
  text: string | null;
  summary: ModuleSummary | null;
  tree: Module | null;
  lines: LineMap | null;
}

/** A record with no facts yet. Every record is built here, so all have one shape (no spread: it is slow). */
export function newRecord(file: DiscoveredFile, module: string, isPackage: boolean, blob: string): FileRecord {
  return {
    file,
    module,
    isPackage,
    blob,
    summaryHash: null,
    error: null,
    seeded: false,
    web: false,
    imports: [],
    names: [],
    calls: [],
    wired: false,
    registers: false,
    comments: [],
    cachedCheck: null,
    raw: null,
    summaryJson: null,
    volatile: false,
    text: null,
    summary: null,
    tree: null,
    lines: null,
  };
}

/** A record's imports (split from the cache's form on first use: most cached runs never need them). */
export function importsOf(r: FileRecord): string[] {
  if (r.raw) split(r, r.raw);
  return r.imports;
}

/** A record's `module name` pairs of `from module import name` (see `importsOf`). */
export function namesOf(r: FileRecord): string[] {
  if (r.raw) split(r, r.raw);
  return r.names;
}

/** A record's called names (see `importsOf`). */
export function callsOf(r: FileRecord): string[] {
  if (r.raw) split(r, r.raw);
  return r.calls;
}

function split(r: FileRecord, raw: { imports: string; names: string; calls: string }): void {
  r.imports = lines(raw.imports);
  r.names = lines(raw.names);
  r.calls = lines(raw.calls);
  r.raw = null;
}

export function factsOf(r: FileFacts): FileFacts {
  return {
    summaryHash: r.summaryHash,
    error: r.error,
    seeded: r.seeded,
    web: r.web,
    imports: r.imports,
    names: r.names,
    calls: r.calls,
    wired: r.wired,
    registers: r.registers,
    comments: r.comments,
    volatile: r.volatile,
  };
}

const SHARED = Buffer.allocUnsafe(1 << 22);

/**
 * A file's bytes in a buffer shared by every read (valid until the next call): hashing ten thousand files
 * allocates nothing. Files larger than the buffer get their own.
 */
export function readShared(abs: string): Uint8Array {
  const fd = fs.openSync(abs, "r");
  try {
    let n = 0;
    for (;;) {
      const got = fs.readSync(fd, SHARED, n, SHARED.length - n, null);
      if (got === 0) return SHARED.subarray(0, n);
      n += got;
      if (n === SHARED.length) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(abs);
}

/** The git blob hash of a file as the run sees it (given text, snapshot or disk). */
export function hashOf(bytes: Uint8Array): string {
  return blobHash(bytes);
}

/**
 * Parses a file and fills in its facts (and summary, lines, text; the tree only when `keepTree`). A file
 * that cannot be decoded or parsed gets its DBF900 as `error`.
 */
export function parseInto(
  rec: FileRecord,
  bytes: Uint8Array | null,
  access: SourceAccess,
  env: ParseEnv,
  keepTree: boolean,
): void {
  let text: string;
  const given = access.sources?.get(rec.file.abs);
  if (given !== undefined) text = given;
  else {
    let data: Uint8Array;
    try {
      data = bytes ?? readVerified(rec, access);
    } catch (e) {
      rec.error = syntaxFinding(
        rec.file.rel,
        1,
        1,
        `cannot read the file (${e instanceof Error ? e.message : String(e)})`,
      );
      rec.volatile = true;
      return;
    }
    const tooBig = bytesOverBudget(data.length);
    if (tooBig) {
      rec.error = syntaxFinding(rec.file.rel, 1, 1, tooBig);
      return;
    }
    const decoded = decodePythonSource(data);
    if (!decoded.ok) {
      rec.error = syntaxFinding(rec.file.rel, decoded.line, 1, `cannot decode the file: ${decoded.message}`);
      return;
    }
    text = decoded.text;
  }
  // Over the per-file budget: reported, not parsed (src/engine/budget.ts).
  const tooBig = textOverBudget(text);
  if (tooBig) {
    rec.error = syntaxFinding(rec.file.rel, 1, 1, tooBig);
    return;
  }
  const parsed = parsePython(text);
  if (!parsed.ok) {
    rec.error = syntaxFinding(
      rec.file.rel,
      parsed.line,
      parsed.column,
      `syntax error: ${parsed.message}; no rule can check this file until it parses`,
    );
    return;
  }
  rec.text = text;
  rec.lines = parsed.lines;
  rec.summary = summarizeModule(rec.module, rec.file.rel, rec.isPackage, parsed.module, (o) => parsed.lines.lineOf(o));
  rec.summaryHash = summaryHash(rec.file.rel, rec.module, rec.isPackage, text, parsed.comments);
  rec.seeded = env.matcher.test(text);
  rec.web = env.web.test(text);
  rec.imports = importedModules(parsed.module.body, rec.module, rec.isPackage);
  rec.names = importedNamePairs(rec.summary);
  rec.calls = calledNames(rec.summary);
  rec.wired = hasWiring(rec.summary, env.tops);
  rec.registers = registersEndpoints(rec.summary);
  rec.comments = suppressionComments(parsed.comments);
  rec.tree = keepTree && rec.seeded ? parsed.module : null;
}

/**
 * What a module summary is a function of: the file's path, module identity and its code with comments
 * blanked out (same length, so every offset and line stays) and trailing whitespace dropped. Two texts with
 * the same hash have the same tokens at the same offsets, hence the same tree and the same summary; a
 * comment edited or appended does not make every importer look changed. Comments that could be type
 * comments (`# type: ...`) are kept: the parser reads those.
 */
export function summaryHash(
  rel: string,
  module: string,
  isPackage: boolean,
  text: string,
  comments: readonly Comment[],
): string {
  let code = "";
  let at = 0;
  for (const c of comments) {
    if (/^#\s*type\s*:/.test(c.text)) continue;
    code += text.slice(at, c.start) + " ".repeat(c.text.length);
    at = c.start + c.text.length;
  }
  code += text.slice(at);
  return sha1(`${rel}\0${module}\0${isPackage ? 1 : 0}\0${code.trimEnd()}`);
}

export function textOf(r: FileRecord, access: SourceAccess): string {
  if (r.text !== null) return r.text;
  const given = access.sources?.get(r.file.abs);
  if (given !== undefined) return given;
  const bytes = readVerified(r, access);
  const decoded = decodePythonSource(bytes);
  if (!decoded.ok) throw new Error(`${r.file.rel} can no longer be decoded`);
  r.text = decoded.text;
  return r.text;
}

/**
 * The bytes of a file read after it was hashed: they must still be the hashed ones, or the facts and
 * findings the cache keeps for that hash would come from other content.
 */
function readVerified(r: FileRecord, access: SourceAccess): Uint8Array {
  const bytes = access.read ? access.read(r.file.abs) : fs.readFileSync(r.file.abs);
  if (r.blob !== "" && !access.read && blobHash(bytes) !== r.blob) {
    throw new Error(`${r.file.rel} changed while dbfence was checking it; run dbfence again`);
  }
  return bytes;
}

/** Comments and lines of a file for the suppression filters; the lines are built on first use. */
export function fileLines(r: FileRecord, access: SourceAccess): { comments: Comment[]; lines: LineMap } {
  if (r.lines) return { comments: r.comments, lines: r.lines };
  let lines: LineMap | null = null;
  return {
    comments: r.comments,
    get lines() {
      if (!lines) {
        let text = "";
        try {
          text = textOf(r, access);
        } catch {
          // gone or changed since it was hashed: positions of its suppressions cannot be told
        }
        lines = r.lines ?? new LineMap(text);
      }
      return lines;
    },
  };
}

/** The summary of a file whose facts came from the cache or another thread: parsed when first asked for. */
export function ensureSummary(r: FileRecord, access: SourceAccess): ModuleSummary | undefined {
  if (r.summary) return r.summary;
  if (r.summaryHash === null || r.volatile) return undefined;
  if (r.summaryJson !== null) {
    const json = r.summaryJson;
    r.summaryJson = null;
    const s = revived(json, r);
    if (s) {
      r.summary = s;
      return s;
    }
  }
  let text: string;
  try {
    text = textOf(r, access);
  } catch {
    // Gone or changed since it was hashed: known to exist, but nothing can be said of it in this run.
    r.volatile = true;
    return undefined;
  }
  const parsed = parsePython(text);
  if (!parsed.ok) return undefined;
  r.lines = parsed.lines;
  r.summary = summarizeModule(r.module, r.file.rel, r.isPackage, parsed.module, (o) => parsed.lines.lineOf(o));
  return r.summary;
}

/** A summary from JSON, if it parses and is the summary of this very file (else it is parsed from source). */
export function revived(json: string, r: FileRecord): ModuleSummary | null {
  try {
    const s = reviveSummary(json);
    return s.module === r.module && s.path === r.file.rel && s.isPackage === r.isPackage ? s : null;
  } catch {
    return null;
  }
}

export function syntaxFinding(rel: string, line: number, column: number, message: string): Finding {
  return {
    code: "DBF900",
    name: "syntax-error",
    severity: "error",
    path: rel,
    line,
    column,
    endLine: line,
    endColumn: column,
    message,
    fix: null,
  };
}

/** The per-file rule pass. The tree is parsed again when it was not kept, and let go afterwards. */
export function checkFile(
  p: FileRecord,
  config: DbfenceConfig,
  infer: TypeInference,
  isTestFixture: boolean,
  access: SourceAccess,
): Finding[] {
  let tree = p.tree;
  if (!tree || !p.summary || !p.lines) {
    const again = parsePython(textOf(p, access));
    if (!again.ok) throw new Error("the file no longer parses");
    tree = again.module;
    p.lines = again.lines;
    p.summary ??= summarizeModule(p.module, p.file.rel, p.isPackage, tree, (o) => again.lines.lineOf(o));
  }
  p.tree = null;
  const lines = p.lines;
  const facts = analyzeModule(tree, p.summary, infer);
  const out: Finding[] = [];
  for (const rule of RULES) {
    if (!rule.check) continue;
    const ctx: RuleContext = {
      facts,
      path: p.file.rel,
      config,
      infer,
      lines,
      tree,
      isConnector: infer.isConnectorModule(p.module),
      isTestFixture,
      report(node, message, fix?: Fix) {
        const s = lines.position(node.start);
        const e = lines.position(node.end);
        out.push({
          code: rule.code,
          name: rule.name,
          severity: rule.severity as Severity,
          path: p.file.rel,
          line: s.line,
          column: s.column,
          endLine: e.line,
          endColumn: e.column,
          message,
          fix: fix ?? null,
        });
      },
    };
    rule.check(ctx);
  }
  return out;
}
