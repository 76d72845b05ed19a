/**
 * The engine: config → files → parse → index → check → suppressions and config filters → result.
 * The CLI only parses arguments and calls `runCheck`.
 */
import fs from "node:fs";
import path from "node:path";
import {
  blobHash,
  type CacheData,
  cacheKey,
  emptyCache,
  loadCache,
  type Reads,
  saveCache,
  sha1,
  stillValid,
  suppressionComments,
} from "../cache/store.js";
import type { DbfenceConfig, LoadedConfig } from "../config/load.js";
import { decodePythonSource } from "../files/decode.js";
import { type DiscoveredFile, discoverFiles } from "../files/discover.js";
import { compileGlobs } from "../files/globs.js";
import type { Comment, Module } from "../parser/ast.js";
import { parsePython } from "../parser/index.js";
import { LineMap } from "../parser/lines.js";
import { RULES, RULES_BY_CODE } from "../rules/index.js";
import type { ProjectRuleContext, RuleContext } from "../rules/rule.js";
import { analyzeModule } from "../semantic/analysis.js";
import { type AppModel, buildAppModels } from "../semantic/apps.js";
import { registeredEndpoints, seedRegisteredEndpoints } from "../semantic/fastapi.js";
import { TypeInference } from "../semantic/infer.js";
import { hasWiring, IMPORTERS_KEY, importedNamePairs, ProjectIndex, WIRED_KEY } from "../semantic/project.js";
import { type ModuleSummary, summarizeModule } from "../semantic/summary.js";
import type { CheckResult, Finding, Fix, Severity } from "../types.js";
import { applyFilters } from "./filters.js";
import { connectorModules, moduleForFile } from "./modules.js";
import { importedModules, seedWords, taintedModules, WordMatcher } from "./prefilter.js";

export interface CheckOptions {
  loaded: LoadedConfig;
  /** Absolute files or folders to report on (default: the project root). */
  paths: string[];
  /** Extra `--select` / `--ignore` from the command line (they narrow the config's). */
  select?: string[];
  ignore?: string[];
  /** The date exceptions are judged against, `YYYY-MM-DD` (default: today, UTC). */
  today?: string;
  /** Texts that stand in for files on disk (absolute path → decoded text): the fix loop's edited files. */
  sources?: ReadonlyMap<string, string>;
  /**
   * Skip the rule pass of files that provably cannot produce a finding (src/engine/prefilter.ts).
   * Default true; results are identical either way (tests/perf).
   */
  prefilter?: boolean;
  /**
   * The content-hash cache folder (src/cache/store.ts), usually `<root>/.dbfence_cache`; null or absent:
   * no cache. Results are identical with and without it (tests/perf/cache.test.ts).
   */
  cacheDir?: string | null;
  /**
   * The files of a snapshot that is not the working tree (`check --staged`: the git index): every file
   * of the project with its git blob hash and a way to read it. Replaces discovery; `paths` still says
   * which of them are reported on.
   */
  snapshot?: Snapshot;
}

export interface Snapshot {
  files: DiscoveredFile[];
  /** The git blob hash of a file's content. */
  blob(abs: string): string;
  /** The bytes of a file (only called for files whose cached facts cannot be used). */
  read(abs: string): Uint8Array;
}

/**
 * One file of the run. Its facts come from the cache when its bytes are unchanged, else from parsing it
 * now; its summary is built on demand (the project index is lazy) and its tree is kept only while its
 * rule pass may still need it.
 */
interface FileRecord {
  file: DiscoveredFile;
  module: string;
  isPackage: boolean;
  blob: string;
  /** A hash of everything the module summary is built from; null when the file is a DBF900. */
  summaryHash: string | null;
  error: Finding | null;
  seeded: boolean;
  imports: string[];
  names: string[];
  wired: boolean;
  comments: Comment[];
  /** The cached rule pass, still to be validated against its read set. */
  cachedCheck: { findings: Finding[]; reads: Reads } | null;
  text: string | null;
  summary: ModuleSummary | null;
  tree: Module | null;
  lines: LineMap | null;
}

export function runCheck(opts: CheckOptions): CheckResult {
  const started = performance.now();
  const { root, config } = opts.loaded;
  const findings: Finding[] = [];
  const notices: string[] = [];

  let checkedFiles: DiscoveredFile[];
  let everything: DiscoveredFile[];
  if (opts.snapshot) {
    everything = opts.snapshot.files;
    const scopes = opts.paths.length > 0 ? opts.paths : [root];
    checkedFiles = everything.filter((f) => scopes.some((s) => f.abs === s || f.abs.startsWith(`${s}${path.sep}`)));
  } else {
    const checked = discoverFiles({
      root,
      paths: opts.paths.length > 0 ? opts.paths : [root],
      include: config.include,
      exclude: config.exclude,
      respectGitignore: true,
    });
    for (const p of checked.problems) notices.push(`${p.rel}: ${p.message}`);
    checkedFiles = checked.files;
    // Cross-file facts come from the whole project, also when only some paths are reported on.
    everything =
      opts.paths.length === 1 && opts.paths[0] === root
        ? checked.files
        : mergeFiles(
            checked.files,
            discoverFiles({
              root,
              paths: [root],
              include: config.include,
              exclude: config.exclude,
              respectGitignore: true,
            }).files,
          );
  }
  const reportOn = new Set(checkedFiles.map((f) => f.abs));

  const usePrefilter = opts.prefilter !== false;
  const cacheDir = opts.cacheDir ?? null;
  const key = cacheDir ? cacheKey(config) : "";
  const cache = cacheDir ? loadCache(cacheDir, key) : emptyCache();
  const matcher = new WordMatcher(seedWords(config));
  const records: FileRecord[] = [];
  for (const file of everything) {
    const rec = fileRecord(file, config, matcher, cache, opts, reportOn.has(file.abs) || !usePrefilter);
    if ("unreadable" in rec) {
      if (reportOn.has(file.abs)) findings.push(rec.unreadable);
      notices.push(rec.notice);
      continue;
    }
    records.push(rec);
    if (rec.error && reportOn.has(file.abs)) findings.push(rec.error);
  }

  // The project index: one module per name (first file wins), summaries built when first asked for.
  const byModule = new Map<string, FileRecord>();
  for (const r of records) if (r.summaryHash !== null && !byModule.has(r.module)) byModule.set(r.module, r);
  const wired = [...byModule.values()].filter((r) => r.wired).map((r) => r.module);
  const importedNames = new Set<string>();
  for (const r of byModule.values()) for (const n of r.names) importedNames.add(n);
  const project = new ProjectIndex({
    names: new Set(byModule.keys()),
    wired,
    importedNames,
    load: (module) => {
      const r = byModule.get(module);
      return r ? ensureSummary(r, opts) : undefined;
    },
  });
  const infer = new TypeInference(project, {
    connectors: connectorModules(config.connector, config.src),
    sessionDependencies: config.sessionDependency,
  });

  // What a read set's keys are worth now.
  const wiredHash = sha1(wired.join("\n"));
  const importersHash = sha1([...importedNames].sort().join("\n"));
  let endpointValues: Record<string, string> = {};
  const value = (k: string): string => {
    if (k === WIRED_KEY) return wiredHash;
    if (k === IMPORTERS_KEY) return importersHash;
    if (k.startsWith(ENDPOINTS_PREFIX)) return endpointValues[k.slice(ENDPOINTS_PREFIX.length)] ?? "-";
    return byModule.get(k)?.summaryHash ?? "-";
  };
  const values = new Map<string, string>();
  const valueNow = (k: string): string => {
    let v = values.get(k);
    if (v === undefined) {
      v = value(k);
      values.set(k, v);
    }
    return v;
  };
  const valid = (r: Reads): boolean => stillValid(r, valueNow);
  const freeze = (reads: Set<string>): Reads => [...reads].sort().map((k) => [k, valueNow(k)] as const);

  // Functions registered with add_api_route anywhere: reused while what they were computed from is unchanged.
  let endpoints: CacheData["endpoints"] = cache.endpoints && valid(cache.endpoints.reads) ? cache.endpoints : null;
  if (endpoints) {
    seedRegisteredEndpoints(project, endpointSet(endpoints.values));
  } else {
    const { value: set, reads } = project.track(() => registeredEndpoints(infer), false);
    endpoints = { reads: freeze(reads), values: endpointModules(set) };
  }
  endpointValues = endpoints.values;

  const fixtures = compileGlobs(config.testFixtureModules);
  const tainted = usePrefilter ? taintedFiles(records, infer, Object.keys(endpointValues)) : null;
  const byFile = new Map<string, { comments: Comment[]; lines: LineMap }>();
  const next: CacheData = { files: new Map(), endpoints, project: null };
  let changed = cache.files.size !== records.length || cache.endpoints !== endpoints;
  for (const r of records) {
    const reported = reportOn.has(r.file.abs);
    let check = r.cachedCheck && valid(r.cachedCheck.reads) ? r.cachedCheck : null;
    if (reported && r.summaryHash !== null) {
      byFile.set(r.file.rel, fileLines(r, opts));
      if (!tainted || tainted.has(r.module)) {
        if (!check) {
          changed = true;
          try {
            const { value: out, reads } = project.track(() =>
              checkFile(r, config, infer, fixtures.matches(r.file.rel, false), opts),
            );
            check = { findings: out, reads: freeze(reads) };
          } catch (e) {
            // A bug in one rule must not cost the user the rest of the run.
            notices.push(
              `${r.file.rel}: internal error while checking (${e instanceof Error ? e.message : String(e)}); please report it`,
            );
          }
        }
        if (check) findings.push(...check.findings);
      }
    }
    r.tree = null;
    next.files.set(r.file.rel, {
      blob: r.blob,
      module: r.module,
      isPackage: r.isPackage,
      summary: r.summaryHash,
      error: r.error,
      seeded: r.seeded,
      imports: r.imports,
      names: r.names,
      wired: r.wired,
      comments: r.comments,
      check,
    });
  }

  // Whole-project rules, reused while what they read is unchanged.
  let projectPass: CacheData["project"] = cache.project && valid(cache.project.reads) ? cache.project : null;
  if (!projectPass) {
    changed = true;
    const lines = (rel: string): LineMap | null => {
      const r = records.find((x) => x.file.rel === rel);
      return r ? fileLines(r, opts).lines : null;
    };
    const { value: out, reads } = project.track(() => checkProject(config, infer, lines, notices));
    projectPass = { reads: freeze(reads), findings: out };
  }
  next.project = projectPass;
  for (const f of projectPass.findings) if (byFile.has(f.path)) findings.push(f);

  // A cache that cannot be written (a read-only checkout) only costs the next run its speed: not reported.
  if (cacheDir && changed) saveCache(cacheDir, key, next);

  const final = applyFilters(findings, {
    config,
    configFile: opts.loaded.file ? path.relative(root, opts.loaded.file).split(path.sep).join("/") : null,
    select: opts.select,
    ignore: opts.ignore,
    today: opts.today ?? new Date().toISOString().slice(0, 10),
    files: byFile,
  });
  final.sort(compareFindings);
  const errors = final.filter((f) => f.severity === "error").length;
  return {
    root,
    findings: final,
    summary: {
      files: checkedFiles.length,
      findings: final.length,
      errors,
      warnings: final.length - errors,
      durationMs: Math.round(performance.now() - started),
    },
    notices,
  };
}

const ENDPOINTS_PREFIX = "#endpoints:";

/** Registered endpoint keys (`module::name`, `module:factory:name`) grouped by module, one line each. */
function endpointModules(set: ReadonlySet<string>): Record<string, string> {
  const by = new Map<string, string[]>();
  for (const k of set) {
    const m = k.slice(0, k.indexOf(":"));
    const list = by.get(m);
    if (list) list.push(k);
    else by.set(m, [k]);
  }
  const out: Record<string, string> = {};
  for (const [m, keys] of [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[m] = keys.sort().join("\n");
  return out;
}

function endpointSet(values: Record<string, string>): Set<string> {
  const out = new Set<string>();
  for (const v of Object.values(values)) for (const k of v.split("\n")) out.add(k);
  return out;
}

/**
 * Modules whose rule pass can produce a finding (src/engine/prefilter.ts): seeded by a word, the connector,
 * or a function registered with `add_api_route` somewhere else (that edge runs against the imports).
 */
function taintedFiles(
  records: readonly FileRecord[],
  infer: TypeInference,
  registered: readonly string[],
): Set<string> {
  const reg = new Set(registered);
  return taintedModules(
    records
      .filter((r) => r.summaryHash !== null)
      .map((r) => ({
        module: r.module,
        seeded: r.seeded || infer.isConnectorModule(r.module) || reg.has(r.module),
        imports: r.imports,
      })),
  );
}

function mergeFiles(a: DiscoveredFile[], b: DiscoveredFile[]): DiscoveredFile[] {
  const seen = new Set(a.map((f) => f.abs));
  return [...a, ...b.filter((f) => !seen.has(f.abs))];
}

/**
 * A file's record: from the cache when its bytes (git blob hash) and module identity are unchanged, else
 * by parsing it now. `keepTree`: the file may need its rule pass, so a tree parsed now is kept for it.
 */
function fileRecord(
  file: DiscoveredFile,
  config: DbfenceConfig,
  matcher: WordMatcher,
  cache: CacheData,
  opts: CheckOptions,
  keepTree: boolean,
): FileRecord | { unreadable: Finding; notice: string } {
  const given = opts.sources?.get(file.abs);
  let bytes: Uint8Array | null = null;
  let blob: string;
  try {
    if (given !== undefined) blob = blobHash(Buffer.from(given, "utf8"));
    else if (opts.snapshot) blob = opts.snapshot.blob(file.abs);
    else {
      const read = readShared(file.abs);
      blob = blobHash(read);
      bytes = read;
    }
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    return {
      unreadable: syntaxFinding(file.rel, 1, 1, `cannot read the file (${reason}); dbfence skipped it`),
      notice: `${file.rel}: ${String(e)}`,
    };
  }
  const { module, isPackage } = moduleForFile(file.rel, config.src);
  const hit = cache.files.get(file.rel);
  if (hit && hit.blob === blob && hit.module === module && hit.isPackage === isPackage) {
    return {
      file,
      module,
      isPackage,
      blob,
      summaryHash: hit.summary,
      error: hit.error,
      seeded: hit.seeded,
      imports: hit.imports,
      names: hit.names,
      wired: hit.wired,
      comments: hit.comments,
      cachedCheck: hit.check,
      text: given ?? null,
      summary: null,
      tree: null,
      lines: null,
    };
  }
  const rec: FileRecord = {
    file,
    module,
    isPackage,
    blob,
    summaryHash: null,
    error: null,
    seeded: false,
    imports: [],
    names: [],
    wired: false,
    comments: [],
    cachedCheck: null,
    text: null,
    summary: null,
    tree: null,
    lines: null,
  };
  let text: string;
  if (given !== undefined) text = given;
  else {
    // The shared read buffer is reused by the next file: keep a copy of these bytes.
    if (bytes) bytes = Buffer.from(bytes);
    try {
      bytes ??= opts.snapshot ? opts.snapshot.read(file.abs) : fs.readFileSync(file.abs);
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? String(e);
      return {
        unreadable: syntaxFinding(file.rel, 1, 1, `cannot read the file (${reason}); dbfence skipped it`),
        notice: `${file.rel}: ${String(e)}`,
      };
    }
    const decoded = decodePythonSource(bytes);
    if (!decoded.ok) {
      rec.error = syntaxFinding(file.rel, decoded.line, 1, `cannot decode the file: ${decoded.message}`);
      return rec;
    }
    text = decoded.text;
  }
  const parsed = parsePython(text);
  if (!parsed.ok) {
    rec.error = syntaxFinding(
      file.rel,
      parsed.line,
      parsed.column,
      `syntax error: ${parsed.message}; no rule can check this file until it parses`,
    );
    return rec;
  }
  rec.text = text;
  rec.lines = parsed.lines;
  rec.summary = summarizeModule(module, file.rel, isPackage, parsed.module, (o) => parsed.lines.lineOf(o));
  rec.summaryHash = summaryHash(file.rel, module, isPackage, text, parsed.comments);
  rec.seeded = matcher.test(text);
  rec.imports = importedModules(parsed.module.body, module, isPackage);
  rec.names = importedNamePairs(rec.summary);
  rec.wired = hasWiring(rec.summary);
  rec.comments = suppressionComments(parsed.comments);
  rec.tree = keepTree && rec.seeded ? parsed.module : null;
  return rec;
}

/**
 * What a module summary is a function of: the file's path, module identity and its code with comments
 * blanked out (same length, so every offset and line stays) and trailing whitespace dropped. Two texts with
 * the same hash have the same tokens at the same offsets, hence the same tree and the same summary; a
 * comment edited or appended does not make every importer look changed. Comments that could be type
 * comments (`# type: ...`) are kept: the parser reads those.
 */
function summaryHash(
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

const SHARED = Buffer.allocUnsafe(1 << 22);

/**
 * A file's bytes in a buffer shared by every read (valid until the next call): hashing ten thousand files
 * allocates nothing. Files larger than the buffer get their own.
 */
function readShared(abs: string): Uint8Array {
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

function textOf(r: FileRecord, opts: CheckOptions): string {
  if (r.text !== null) return r.text;
  const given = opts.sources?.get(r.file.abs);
  if (given !== undefined) return given;
  const bytes = opts.snapshot ? opts.snapshot.read(r.file.abs) : fs.readFileSync(r.file.abs);
  const decoded = decodePythonSource(bytes);
  if (!decoded.ok) throw new Error(`${r.file.rel} can no longer be decoded`);
  r.text = decoded.text;
  return r.text;
}

function fileLines(r: FileRecord, opts: CheckOptions): { comments: Comment[]; lines: LineMap } {
  if (!r.lines) {
    // Built on first use: most files never need it when their facts come from the cache.
    let lines: LineMap | null = null;
    const get = (): LineMap => {
      lines ??= new LineMap(textOf(r, opts));
      return lines;
    };
    return {
      comments: r.comments,
      get lines() {
        return get();
      },
    };
  }
  return { comments: r.comments, lines: r.lines };
}

/** The summary of a file whose facts came from the cache: parsed when something first asks for it. */
function ensureSummary(r: FileRecord, opts: CheckOptions): ModuleSummary | undefined {
  if (r.summary) return r.summary;
  const parsed = parsePython(textOf(r, opts));
  if (!parsed.ok) return undefined;
  r.lines = parsed.lines;
  r.summary = summarizeModule(r.module, r.file.rel, r.isPackage, parsed.module, (o) => parsed.lines.lineOf(o));
  return r.summary;
}

function syntaxFinding(rel: string, line: number, column: number, message: string): Finding {
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

function checkFile(
  p: FileRecord,
  config: DbfenceConfig,
  infer: TypeInference,
  isTestFixture: boolean,
  opts: CheckOptions,
): Finding[] {
  let tree = p.tree;
  if (!tree || !p.summary || !p.lines) {
    const again = parsePython(textOf(p, opts));
    if (!again.ok) throw new Error("the file no longer parses");
    tree = again.module;
    p.lines = again.lines;
    p.summary ??= summarizeModule(p.module, p.file.rel, p.isPackage, tree, (o) => again.lines.lineOf(o));
  }
  p.tree = null; // the tree is not needed after this file's rule pass: let it go
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

function checkProject(
  config: DbfenceConfig,
  infer: TypeInference,
  linesOf: (rel: string) => LineMap | null,
  notices: string[],
): Finding[] {
  const out: Finding[] = [];
  let apps: AppModel[] | null = null;
  for (const rule of RULES) {
    if (!rule.checkProject) continue;
    const ctx: ProjectRuleContext = {
      config,
      infer,
      apps: () => {
        apps ??= buildAppModels(infer);
        return apps;
      },
      report(rel, node, message) {
        const lines = linesOf(rel);
        if (!lines) return;
        const s = lines.position(node.start);
        const e = lines.position(node.end);
        out.push({
          code: rule.code,
          name: rule.name,
          severity: rule.severity,
          path: rel,
          line: s.line,
          column: s.column,
          endLine: e.line,
          endColumn: e.column,
          message,
          fix: null,
        });
      },
    };
    try {
      rule.checkProject(ctx);
    } catch (e) {
      notices.push(`internal error in ${rule.code} (${e instanceof Error ? e.message : String(e)}); please report it`);
    }
  }
  return out;
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.path < b.path
    ? -1
    : a.path > b.path
      ? 1
      : a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

export { RULES_BY_CODE };
