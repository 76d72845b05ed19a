/**
 * The engine: config → files → parse → index → check → suppressions and config filters → result.
 * The CLI only parses arguments and calls `runCheck`.
 */
import fs from "node:fs";
import path from "node:path";
import type { DbfenceConfig, LoadedConfig } from "../config/load.js";
import { decodePythonSource } from "../files/decode.js";
import { type DiscoveredFile, discoverFiles } from "../files/discover.js";
import { compileGlobs } from "../files/globs.js";
import type { Comment, Module } from "../parser/ast.js";
import { parsePython } from "../parser/index.js";
import type { LineMap } from "../parser/lines.js";
import { RULES, RULES_BY_CODE } from "../rules/index.js";
import type { ProjectRuleContext, RuleContext } from "../rules/rule.js";
import { analyzeModule } from "../semantic/analysis.js";
import { type AppModel, buildAppModels } from "../semantic/apps.js";
import { registeredEndpoints } from "../semantic/fastapi.js";
import { TypeInference } from "../semantic/infer.js";
import { ProjectIndex } from "../semantic/project.js";
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
}

/**
 * A parsed file: everything later phases need, kept per file. The tree is kept only while it may still be
 * needed (a reported file that may need its rule pass); otherwise it is dropped after summarising and
 * parsed again in the rare case it is needed (see docs/benchmarks.md, "memory").
 */
interface ParsedFile {
  file: DiscoveredFile;
  module: string;
  isPackage: boolean;
  tree: Module | null;
  text: string;
  comments: Comment[];
  lines: LineMap;
  summary: ModuleSummary;
  /** The text has a prefilter seed word. */
  seeded: boolean;
  /** Modules its import statements reach. */
  imports: string[];
}

export function runCheck(opts: CheckOptions): CheckResult {
  const started = performance.now();
  const { root, config } = opts.loaded;
  const findings: Finding[] = [];
  const notices: string[] = [];

  const checked = discoverFiles({
    root,
    paths: opts.paths.length > 0 ? opts.paths : [root],
    include: config.include,
    exclude: config.exclude,
    respectGitignore: true,
  });
  for (const p of checked.problems) notices.push(`${p.rel}: ${p.message}`);
  // Cross-file facts come from the whole project, also when only some paths are reported on.
  const reportOn = new Set(checked.files.map((f) => f.abs));
  const everything =
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

  const usePrefilter = opts.prefilter !== false;
  const matcher = new WordMatcher(seedWords(config));
  const parsed: ParsedFile[] = [];
  for (const file of everything) {
    const keepTree = (seeded: boolean): boolean => reportOn.has(file.abs) && (seeded || !usePrefilter);
    const result = parseFile(file, config, matcher, keepTree, opts.sources?.get(file.abs));
    if ("finding" in result) {
      if (reportOn.has(file.abs)) findings.push(result.finding);
      if (result.notice) notices.push(result.notice);
    } else {
      parsed.push(result);
    }
  }

  const project = new ProjectIndex(parsed.map((p) => p.summary));
  const infer = new TypeInference(project, {
    connectors: connectorModules(config.connector, config.src),
    sessionDependencies: config.sessionDependency,
  });
  const fixtures = compileGlobs(config.testFixtureModules);
  const tainted = usePrefilter ? taintedFiles(parsed, infer) : null;
  const byFile = new Map<string, { comments: Comment[]; lines: LineMap }>();
  for (const p of parsed) {
    if (!reportOn.has(p.file.abs)) continue;
    byFile.set(p.file.rel, { comments: p.comments, lines: p.lines });
    if (tainted && !tainted.has(p.module)) continue;
    try {
      findings.push(...checkFile(p, config, infer, fixtures.matches(p.file.rel, false)));
    } catch (e) {
      // A bug in one rule must not cost the user the rest of the run.
      notices.push(
        `${p.file.rel}: internal error while checking (${e instanceof Error ? e.message : String(e)}); please report it`,
      );
    }
  }

  findings.push(...checkProject(config, infer, byFile, notices));

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
      files: checked.files.length,
      findings: final.length,
      errors,
      warnings: final.length - errors,
      durationMs: Math.round(performance.now() - started),
    },
    notices,
  };
}

/**
 * Modules whose rule pass can produce a finding (src/engine/prefilter.ts): seeded by a word, the connector,
 * or a function registered with `add_api_route` somewhere else (that edge runs against the imports).
 */
function taintedFiles(parsed: readonly ParsedFile[], infer: TypeInference): Set<string> {
  const registered = new Set<string>();
  for (const key of registeredEndpoints(infer)) registered.add(key.slice(0, key.indexOf(":")));
  return taintedModules(
    parsed.map((p) => ({
      module: p.module,
      seeded: p.seeded || infer.isConnectorModule(p.module) || registered.has(p.module),
      imports: p.imports,
    })),
  );
}

function mergeFiles(a: DiscoveredFile[], b: DiscoveredFile[]): DiscoveredFile[] {
  const seen = new Set(a.map((f) => f.abs));
  return [...a, ...b.filter((f) => !seen.has(f.abs))];
}

function parseFile(
  file: DiscoveredFile,
  config: DbfenceConfig,
  matcher: WordMatcher,
  keepTree: (seeded: boolean) => boolean,
  given?: string,
): ParsedFile | { finding: Finding; notice?: string } {
  let bytes: Uint8Array;
  try {
    bytes = given === undefined ? fs.readFileSync(file.abs) : new Uint8Array(0);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    return {
      finding: syntaxFinding(file.rel, 1, 1, `cannot read the file (${reason}); dbfence skipped it`),
      notice: `${file.rel}: ${String(e)}`,
    };
  }
  const decoded = given === undefined ? decodePythonSource(bytes) : { ok: true as const, text: given };
  if (!decoded.ok)
    return { finding: syntaxFinding(file.rel, decoded.line, 1, `cannot decode the file: ${decoded.message}`) };
  const parsed = parsePython(decoded.text);
  if (!parsed.ok) {
    return {
      finding: syntaxFinding(
        file.rel,
        parsed.line,
        parsed.column,
        `syntax error: ${parsed.message}; no rule can check this file until it parses`,
      ),
    };
  }
  const { module, isPackage } = moduleForFile(file.rel, config.src);
  const summary = summarizeModule(module, file.rel, isPackage, parsed.module, (o) => parsed.lines.lineOf(o));
  const seeded = matcher.test(decoded.text);
  return {
    file,
    module,
    isPackage,
    tree: keepTree(seeded) ? parsed.module : null,
    text: decoded.text,
    comments: parsed.comments,
    lines: parsed.lines,
    summary,
    seeded,
    imports: importedModules(parsed.module.body, module, isPackage),
  };
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

function checkFile(p: ParsedFile, config: DbfenceConfig, infer: TypeInference, isTestFixture: boolean): Finding[] {
  let tree = p.tree;
  if (!tree) {
    const again = parsePython(p.text);
    if (!again.ok) throw new Error("the file no longer parses");
    tree = again.module;
  }
  p.tree = null; // the tree is not needed after this file's rule pass: let it go
  const facts = analyzeModule(tree, p.summary, infer);
  const out: Finding[] = [];
  for (const rule of RULES) {
    if (!rule.check) continue;
    const ctx: RuleContext = {
      facts,
      path: p.file.rel,
      config,
      infer,
      lines: p.lines,
      tree,
      isConnector: infer.isConnectorModule(p.module),
      isTestFixture,
      report(node, message, fix?: Fix) {
        const s = p.lines.position(node.start);
        const e = p.lines.position(node.end);
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
  files: ReadonlyMap<string, { lines: LineMap }>,
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
        const file = files.get(rel);
        if (!file) return;
        const s = file.lines.position(node.start);
        const e = file.lines.position(node.end);
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
