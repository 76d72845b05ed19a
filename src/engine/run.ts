/**
 * The engine: config → files → parse → index → check → suppressions and config filters → result.
 * The CLI only parses arguments and calls `runCheck`.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
  blobHash,
  type CacheData,
  emptyCache,
  openCache,
  type Reads,
  saveCache,
  sha1,
  stillValid,
} from "../cache/store.js";
import type { DbfenceConfig, LoadedConfig } from "../config/load.js";
import { type DiscoveredFile, discoverFiles } from "../files/discover.js";
import { compileGlobs } from "../files/globs.js";
import type { Comment } from "../parser/ast.js";
import type { LineMap } from "../parser/lines.js";
import { RULES, RULES_BY_CODE } from "../rules/index.js";
import type { ProjectRuleContext } from "../rules/rule.js";
import { type AppModel, buildAppModels } from "../semantic/apps.js";
import { attachCallGraph, CALLS_PREFIX } from "../semantic/callgraph.js";
import { registeredEndpoints, seedRegisteredEndpoints } from "../semantic/fastapi.js";
import { TypeInference } from "../semantic/infer.js";
import { IMPORTERS_KEY, ProjectIndex, REGISTERS_KEY, topLevelNames, WEB_KEY, WIRED_KEY } from "../semantic/project.js";
import type { CheckResult, Finding } from "../types.js";
import { CallerTable, withCallerSeeds } from "./callers.js";
import { applyFilters } from "./filters.js";
import { connectorModules, type ModuleIdentity, moduleForFile } from "./modules.js";
import { SyncPool } from "./pool.js";
import { reachesTainted, seedWords, taintedModules, WEB_ROOTS, WordMatcher } from "./prefilter.js";
import {
  callsOf,
  checkFile,
  ensureSummary,
  type FileRecord,
  fileLines,
  importsOf,
  namesOf,
  newRecord,
  type ParseEnv,
  parseInto,
  readShared,
  revived,
  type SourceAccess,
  syntaxFinding,
} from "./records.js";
import { importLines, planShards } from "./shards.js";
import type { CheckAnswer, ParseAnswer, WorkerData, WorkerTask } from "./worker.js";

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
  /**
   * Worker threads for parsing and checking (default 1: this thread only). Used when more than
   * `parallelMinBytes` bytes of source need parsing (default PARALLEL_MIN_BYTES); results are identical
   * either way.
   */
  jobs?: number;
  parallelMinBytes?: number;
  /** Told each phase the run reaches (`discovered 120 files`, `parsed` …): the CLI's progress line. */
  onPhase?: (what: string) => void;
}

export interface Snapshot {
  files: DiscoveredFile[];
  /** The git blob hash of a file's content. */
  blob(abs: string): string;
  /** The bytes of a file (only called for files whose cached facts cannot be used). */
  read(abs: string): Uint8Array;
}

/**
 * Below this much source to parse (bytes), a run stays on one thread. Workers pay for starting, for
 * warming up the parser each, for parsing again the modules of other shards their files read, and the
 * main thread parses again what the whole-project rules read. Measured on 2 cores (docs/benchmarks.md):
 * a 14.6 MB FastAPI backend ran 1.5× slower on 2 workers, the 31.5 MB standard library 1.4× and the
 * 36 MB generated backend 1.2× faster.
 */
export const PARALLEL_MIN_BYTES = 24_000_000;

/** `DBFENCE_TRACE=1`: the time of each phase on stderr (what docs/benchmarks.md profiles are read with). */
const TRACE = process.env.DBFENCE_TRACE === "1";
function trace(started: number, what: string): void {
  if (!TRACE) return;
  const gc = (globalThis as { gc?: () => void }).gc;
  // With node --expose-gc, the live heap after a full collection: what each phase keeps.
  if (gc) gc();
  const heap = gc ? `, live heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB` : "";
  process.stderr.write(`dbfence: trace: ${(performance.now() - started).toFixed(0)} ms ${what}${heap}\n`);
}

export function runCheck(opts: CheckOptions): CheckResult {
  const started = performance.now();
  const phase = (what: string): void => {
    trace(started, what);
    opts.onPhase?.(what);
  };
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
  phase(`discovered ${everything.length} files`);
  const access: SourceAccess = { sources: opts.sources, read: opts.snapshot?.read };

  const usePrefilter = opts.prefilter !== false;
  const cacheDir = opts.cacheDir ?? null;
  // The project's top-level names decide which imports are the project's (the wiring filter): in the key.
  const identities = everything.map((f) => moduleForFile(f.rel, config.src));
  const tops = topLevelNames(identities.map((i) => i.module));
  const { opened, problem } = openCache(cacheDir, root, { config, tops: [...tops].sort() });
  if (problem) notices.push(problem);
  const cache = opened?.cache ?? emptyCache();
  const store = opened?.store ?? null;
  /** Wired files whose summary the store should have had but did not. */
  const unstored = new Set<FileRecord>();
  phase("cache loaded");
  const env: ParseEnv = { matcher: new WordMatcher(seedWords(config)), web: new WordMatcher(WEB_ROOTS), tops };

  // 1. Every file's bytes are hashed; files the cache knows keep their facts, the others are parsed.
  const records: FileRecord[] = [];
  const misses: { rec: FileRecord; bytes: Uint8Array | null }[] = [];
  for (const [i, file] of everything.entries()) {
    const r = hashFile(file, identities[i] as ModuleIdentity, cache, opts);
    if ("unreadable" in r) {
      if (reportOn.has(file.abs)) findings.push(r.unreadable);
      notices.push(r.notice);
      continue;
    }
    records.push(r.rec);
    if (r.miss) misses.push({ rec: r.rec, bytes: r.bytes });
  }
  phase(`hashed ${records.length} files, ${misses.length} to parse`);
  const jobs = Math.max(1, opts.jobs ?? 1);
  const threshold = opts.parallelMinBytes ?? PARALLEL_MIN_BYTES;
  const missBytes = misses.reduce((n, m) => n + (m.bytes?.length ?? 0), 0);
  const parallel = jobs > 1 && !opts.snapshot && !opts.sources && misses.length > 0 && missBytes >= threshold;
  const keepTree = (r: FileRecord | undefined): boolean => !!r && (reportOn.has(r.file.abs) || !usePrefilter);
  let pool: SyncPool | null = null;
  let shardOf: Map<FileRecord, number> | null = null;
  const ids = new Map<FileRecord, number>();
  try {
    if (parallel) {
      pool = new SyncPool(jobs, new URL("./worker.js", import.meta.url), {
        files: records.map((r) => r.file),
        config,
        seeds: seedWords(config),
        tops: [...tops],
        blobs: records.map((r) => r.blob),
      } satisfies WorkerData);
      for (const [i, r] of records.entries()) ids.set(r, i);
      const missing = new Map(misses.map((m) => [m.rec, m.bytes]));
      const plan = planShards(
        records.map((r) => {
          const bytes = missing.get(r);
          return {
            module: r.module,
            isPackage: r.isPackage,
            imports: bytes ? importLines(Buffer.from(bytes).toString("latin1"), r.module, r.isPackage) : importsOf(r),
            size: bytes ? bytes.length : 1000,
          };
        }),
        jobs,
      );
      shardOf = new Map(records.map((r, i) => [r, plan[i] as number]));
      const tasks: WorkerTask[] = Array.from({ length: jobs }, () => ({ kind: "parse", ids: [], keep: [] }));
      for (const m of misses) {
        const task = tasks[shardOf.get(m.rec) as number] as { ids: number[]; keep: number[] };
        const id = ids.get(m.rec) as number;
        task.ids.push(id);
        if (keepTree(m.rec)) task.keep.push(id);
      }
      const round = pool.run<ParseAnswer>(tasks);
      for (const [s, task] of tasks.entries()) {
        const answer = round.results[s];
        // A lost worker's files are parsed here: its crash costs time, never results.
        if (!answer) notices.push(...parseLost(task, records, missing, (id) => keepTree(records[id]), access, env));
        for (const [n, id] of (task as { ids: number[] }).ids.entries()) {
          const r = records[id] as FileRecord;
          Object.assign(r, answer?.facts[n]);
          r.summaryJson = answer?.json[n] ?? null;
        }
      }
    } else {
      for (const m of misses) parseInto(m.rec, m.bytes, access, env, keepTree(m.rec));
    }
    for (const r of records) if (r.error && reportOn.has(r.file.abs)) findings.push(r.error);
    phase(parallel ? `parsed on ${jobs} workers` : "parsed");

    // 2. The project index: one module per name (first file wins), summaries built when first asked for.
    const byModule = new Map<string, FileRecord>();
    for (const r of records) if (r.summaryHash !== null && !byModule.has(r.module)) byModule.set(r.module, r);
    const modules = [...byModule.values()];
    // Sorted: the order files were found in depends on the PATHS given, and these lists are hashed.
    const wiredCandidates = modules
      .filter((r) => r.wired)
      .map((r) => r.module)
      .sort();
    const registering = modules
      .filter((r) => r.registers)
      .map((r) => r.module)
      .sort();
    let importedSet: Set<string> | null = null;
    const importedNames = (): Set<string> => {
      if (!importedSet) {
        importedSet = new Set<string>();
        for (const r of modules) for (const n of namesOf(r)) importedSet.add(n);
      }
      return importedSet;
    };
    // Modules through which FastAPI can be reached: the app model skips object creations that cannot.
    let webSet: Set<string> | null = null;
    const web = (): Set<string> => {
      webSet ??= taintedModules(modules.map((r) => ({ module: r.module, seeded: r.web, imports: importsOf(r) })));
      return webSet;
    };
    let reachesWeb: ((module: string) => boolean) | null = null;
    // Only a module from which an import chain reaches FastAPI/Starlette can declare an app, a router, a
    // route on one, an include/mount edge or a lifecycle hook (every one of them resolves to an object
    // created from a FastAPI class): the others are left out before anything loads their summaries.
    let wiredList: string[] | null = null;
    const wired = (): string[] => {
      wiredList ??= wiredCandidates.filter((m) => web().has(m));
      return wiredList;
    };
    const project = new ProjectIndex({
      names: new Set(byModule.keys()),
      get wired() {
        return wired();
      },
      registering,
      get importedNames() {
        return importedNames();
      },
      reachesWeb: (module) => {
        reachesWeb ??= reachesTainted(web());
        return reachesWeb(module);
      },
      load: (module) => {
        const r = byModule.get(module);
        if (!r) return undefined;
        // A wired module's summary may be in the store: reading it is cheaper than parsing the file.
        if (!r.summary && r.summaryJson === null && r.wired && store && r.summaryHash) {
          const json = store.json(r.summaryHash);
          const s = json !== undefined ? revived(json, r) : null;
          if (s) {
            r.summary = s;
            return s;
          }
          // Missing or unusable in the store: parsed below, and stored again when the cache is written.
          unstored.add(r);
        }
        return ensureSummary(r, access);
      },
    });
    const infer = new TypeInference(project, {
      connectors: connectorModules(config.connector, config.src),
      sessionDependencies: config.sessionDependency,
    });
    // Parameters inferred from their callers: callers are found by the names each module calls.
    const callers = new CallerTable(() => modules.map((r) => [r.module, callsOf(r)] as const));
    attachCallGraph(infer, callers);

    // What a read set's keys are worth now.
    // Whole-project keys, hashed only when some read set holds them. Each hashes what its fact is computed
    // from (in discovery order), not the fact: cheaper, and it can only change more often, never less.
    // Imports and imported names are functions of a file's code, which its summary hash stands for.
    let graph: string | null = null;
    const importGraph = (): string => {
      if (graph === null) {
        const h = createHash("sha1");
        // In path order: the order files were found in depends on the PATHS given.
        const sorted = [...records].sort((a, b) => (a.file.rel < b.file.rel ? -1 : a.file.rel > b.file.rel ? 1 : 0));
        for (const r of sorted) h.update(`${r.module}\0${r.summaryHash}\0${r.seeded ? 1 : 0}${r.web ? 1 : 0}\n`);
        graph = h.digest("hex");
      }
      return graph;
    };
    const hashes: Record<string, () => string> = {
      [WIRED_KEY]: () => sha1(`${wiredCandidates.join("\n")}\0${importGraph()}`),
      [REGISTERS_KEY]: () => sha1(registering.join("\n")),
      [IMPORTERS_KEY]: importGraph,
      // The web taint (src/semantic/project.ts mayCreateApp) and the prefilter's taint come from the import graph.
      [WEB_KEY]: importGraph,
      [TAINT_KEY]: () => sha1(`${importGraph()}\0${Object.keys(endpointValues).join(" ")}`),
    };
    let endpointValues: Record<string, string> = {};
    const values = new Map<string, string>();
    const valueNow = (k: string): string => {
      let v = values.get(k);
      if (v === undefined) {
        v =
          (Object.hasOwn(hashes, k) ? hashes[k]?.() : undefined) ??
          (k.startsWith(ENDPOINTS_PREFIX)
            ? ownValue(endpointValues, k.slice(ENDPOINTS_PREFIX.length))
            : k.startsWith(CALLS_PREFIX)
              ? callers.digest(k.slice(CALLS_PREFIX.length))
              : (byModule.get(k)?.summaryHash ?? "-"));
        values.set(k, v);
      }
      return v;
    };
    const valid = (r: Reads): boolean => stillValid(r, valueNow);
    const freeze = (reads: Iterable<string>): Reads => [...reads].sort().map((k) => [k, valueNow(k)] as const);

    // 3. Functions registered with add_api_route anywhere: reused while what they were computed from holds.
    let endpoints: CacheData["endpoints"] = cache.endpoints && valid(cache.endpoints.reads) ? cache.endpoints : null;
    if (endpoints) {
      seedRegisteredEndpoints(project, endpointSet(endpoints.values));
    } else {
      const { value: set, reads } = project.track(() => registeredEndpoints(infer), false);
      endpoints = { reads: freeze(reads), values: endpointModules(set) };
    }
    endpointValues = endpoints.values;

    phase("endpoints");
    // 4. The per-file rule pass of the files that can have findings and have none cached that still hold.
    // The prefilter's taint is only needed for files without a valid cached pass: a valid cached pass of a
    // file the prefilter would skip holds what its rule pass gives, which is nothing (src/engine/prefilter.ts).
    let taintSet: Set<string> | null = null;
    const tainted = (module: string): boolean => {
      if (!usePrefilter) return true;
      taintSet ??= taintedFiles(records, infer, Object.keys(endpointValues));
      return taintSet.has(module);
    };
    const byFile = new Map<string, { comments: Comment[]; lines: LineMap }>();
    const reportedRels = new Set<string>();
    const checks = new Map<FileRecord, { findings: Finding[]; reads: Reads } | null>();
    const candidates: FileRecord[] = [];
    for (const r of records) {
      const cached = r.cachedCheck && valid(r.cachedCheck.reads) ? r.cachedCheck : null;
      checks.set(r, cached);
      if (!reportOn.has(r.file.abs) || r.summaryHash === null) continue;
      reportedRels.add(r.file.rel);
      // The suppression filters only look at files with suppression comments.
      if (r.comments.length > 0) byFile.set(r.file.rel, fileLines(r, access));
      if (!cached) candidates.push(r);
    }
    // A handful of files (a commit, an edit) are simply checked: the taint of a whole project costs more.
    const toCheck: FileRecord[] = [];
    for (const r of candidates) {
      if (candidates.length <= FEW_FILES || tainted(r.module)) toCheck.push(r);
      // Skipped by the prefilter: no findings, for as long as the facts the taint comes from hold.
      else checks.set(r, { findings: [], reads: [[TAINT_KEY, valueNow(TAINT_KEY)]] });
    }
    const failed = (r: FileRecord, message: string): void => {
      r.volatile ||= /changed while dbfence was checking it|ENOENT|EACCES/.test(message);
      // A file that changed or went away during the run is said so; anything else is a bug in a rule, which
      // must not cost the user the rest of the run.
      notices.push(
        r.volatile
          ? `${r.file.rel}: ${message}`
          : `${r.file.rel}: internal error while checking (${message}); please report it`,
      );
    };
    const fixtures = compileGlobs(config.testFixtureModules);
    /** The per-file rule pass of one file on this thread. */
    const checkHere = (r: FileRecord): void => {
      try {
        const { value: out, reads } = project.track(() =>
          checkFile(r, config, infer, fixtures.matches(r.file.rel, false), access),
        );
        checks.set(r, { findings: out, reads: freeze(reads) });
      } catch (e) {
        failed(r, e instanceof Error ? e.message : String(e));
      }
      r.tree = null;
    };
    let checkTasks: (WorkerTask | null)[] = [];
    if (pool && shardOf && toCheck.length > 0) {
      // The same whole-project tables go to every worker: built once.
      const moduleList: [string, number][] = modules.map((r) => [r.module, ids.get(r) as number]);
      const moduleCalls = modules.map((r) => (r.raw ? r.raw.calls : r.calls.join("\n")));
      const importedList = [...importedNames()];
      const endpointList = [...endpointSet(endpointValues)];
      checkTasks = Array.from({ length: pool.size }, () => null);
      for (const r of toCheck) {
        const s = shardOf.get(r) as number;
        let task = checkTasks[s] as { ids: number[] } | null;
        if (!task) {
          const fresh: WorkerTask = {
            kind: "check",
            modules: moduleList,
            calls: moduleCalls,
            wired: wired(),
            registering,
            importedNames: importedList,
            endpoints: endpointList,
            ids: [],
          };
          checkTasks[s] = fresh;
          task = fresh;
        }
        task.ids.push(ids.get(r) as number);
      }
      pool.post(checkTasks);
    } else {
      for (const r of toCheck) checkHere(r);
    }

    phase(`${toCheck.length} files to check`);
    // 5. Whole-project rules, reused while what they read holds (computed here while workers check).
    let projectPass: CacheData["project"] = cache.project && valid(cache.project.reads) ? cache.project : null;
    if (!projectPass) {
      const byRel = new Map(records.map((r) => [r.file.rel, r]));
      const lines = (rel: string): LineMap | null => {
        const r = byRel.get(rel);
        return r ? fileLines(r, access).lines : null;
      };
      const { value: out, reads } = project.track(() => checkProject(config, infer, lines, notices));
      projectPass = { reads: freeze(reads), findings: out };
    }
    for (const f of projectPass.findings) if (reportedRels.has(f.path)) findings.push(f);
    phase("project rules");

    const cuts = new Set(infer.limitCuts);
    if (pool && checkTasks.some((t) => t !== null)) {
      const round = pool.collect<CheckAnswer[] | null>(checkTasks);
      // A lost worker's files are checked here.
      for (const s of round.lost) {
        const task = checkTasks[s] as { ids: number[] } | null;
        notices.push(lostWorkerNotice("checked", task?.ids.length ?? 0));
        for (const id of task?.ids ?? []) checkHere(records[id] as FileRecord);
      }
      for (const answers of round.results) {
        for (const a of answers ?? []) {
          const r = records[a.id] as FileRecord;
          if ("failed" in a) failed(r, a.failed);
          else checks.set(r, { findings: a.findings, reads: freeze(a.reads) });
          if ("cuts" in a) for (const c of a.cuts ?? []) cuts.add(c);
        }
      }
    }
    for (const c of infer.limitCuts) cuts.add(c);
    notices.push(...limitNotices(cuts, records));
    phase("checked");
    for (const r of records) {
      const c = checks.get(r);
      if (c && reportOn.has(r.file.abs) && r.summaryHash !== null) {
        findings.push(...c.findings);
      }
    }

    // A cache that cannot be written (a read-only checkout) only costs the next run its speed: not reported.
    if (
      cacheDir &&
      opened &&
      (opts.snapshot
        ? // `--staged`: the cache stays the working tree's; it is rewritten only when many files other than
          // the staged ones had to be parsed (after a branch switch, say), not for every commit attempt.
          misses.filter((m) => !reportOn.has(m.rec.file.abs)).length > FEW_FILES
        : misses.length > 0 ||
          toCheck.length > 0 ||
          projectPass !== cache.project ||
          endpoints !== cache.endpoints ||
          cache.files.size !== records.length)
    ) {
      const next: CacheData = { files: new Map(), endpoints, project: projectPass };
      for (const r of records) {
        // A file that changed during the run is parsed again next time.
        if (r.volatile) continue;
        next.files.set(r.file.rel, {
          blob: r.blob,
          module: r.module,
          isPackage: r.isPackage,
          summary: r.summaryHash,
          error: r.error,
          seeded: r.seeded,
          web: r.web,
          imports: r.raw ? r.raw.imports : r.imports.join("\n"),
          names: r.raw ? r.raw.names : r.names.join("\n"),
          calls: r.raw ? r.raw.calls : r.calls.join("\n"),
          wired: r.wired,
          registers: r.registers,
          comments: r.comments,
          check: checks.get(r) ?? null,
        });
      }
      saveCache(cacheDir, opened.key, next, opened.secret);
      if (store) {
        const keep = new Set<string>();
        const parsedNow = new Set([...misses.map((m) => m.rec), ...unstored]);
        for (const r of modules) {
          if (!r.wired || !r.summaryHash) continue;
          keep.add(r.summaryHash);
          // A file the cache knew has its summary stored already (they are written together).
          if (!parsedNow.has(r)) continue;
          const json = r.summaryJson ?? (r.summary ? serialisedSummary(r.summary) : null);
          if (json !== null) store.add(r.summaryHash, json);
        }
        store.save(keep);
      }
    }

    phase("cache written");
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
  } finally {
    pool?.close();
  }
}

/** Says that a worker thread was lost and its files were handled on the main thread. */
function lostWorkerNotice(what: string, files: number): string {
  return `a worker thread crashed or stopped answering (out of memory?); its ${files} files were ${what} on the main thread instead`;
}

/** Parses on this thread the files of a lost worker's parse task (their bytes when the run has them). */
function parseLost(
  task: WorkerTask,
  records: readonly FileRecord[],
  bytes: ReadonlyMap<FileRecord, Uint8Array | null>,
  keep: (id: number) => boolean,
  access: SourceAccess,
  env: ParseEnv,
): string[] {
  for (const id of task.ids) {
    const r = records[id] as FileRecord;
    parseInto(r, bytes.get(r) ?? null, access, env, keep(id));
  }
  return [lostWorkerNotice("parsed", task.ids.length)];
}

const ENDPOINTS_PREFIX = "#endpoints:";
const TAINT_KEY = "#taint";
/** Up to this many files without a valid cached pass are checked without computing the prefilter's taint. */
const FEW_FILES = 32;

/** Registered endpoint keys (`module::name`, `module:factory:name`) grouped by module, one line each. */
function endpointModules(set: ReadonlySet<string>): Record<string, string> {
  const by = new Map<string, string[]>();
  for (const k of set) {
    const m = k.slice(0, k.indexOf(":"));
    const list = by.get(m);
    if (list) list.push(k);
    else by.set(m, [k]);
  }
  // Prototype-free: a module may be called `__proto__`.
  const out: Record<string, string> = Object.create(null);
  for (const [m, keys] of [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[m] = keys.sort().join("\n");
  return out;
}

/** A record's own value for a key (module names like `toString` or `__proto__` are keys, not members). */
function ownValue(values: Record<string, string>, key: string): string {
  return Object.hasOwn(values, key) ? (values[key] as string) : "-";
}

function endpointSet(values: Record<string, string>): Set<string> {
  const out = new Set<string>();
  for (const v of Object.values(values)) for (const k of v.split("\n")) out.add(k);
  return out;
}

/**
 * Modules whose rule pass can produce a finding (src/engine/prefilter.ts): seeded by a word, the connector,
 * or a function registered with `add_api_route` somewhere else (that edge runs against the imports), and
 * modules whose functions receive an async session from their callers (src/engine/callers.ts).
 */
function taintedFiles(
  records: readonly FileRecord[],
  infer: TypeInference,
  registered: readonly string[],
): Set<string> {
  const reg = new Set(registered);
  const nodes = records
    .filter((r) => r.summaryHash !== null)
    .map((r) => ({
      module: r.module,
      seeded: r.seeded || infer.isConnectorModule(r.module) || reg.has(r.module),
      imports: importsOf(r),
      calls: callsOf(r),
    }));
  const seeds = new Set(nodes.filter((n) => n.seeded).map((n) => n.module));
  return withCallerSeeds(nodes, taintedModules(nodes), seeds, infer);
}

/**
 * `file:line: analysis stopped at <limit>; findings that depend on it may be missing` for each place a
 * semantic limit cut a chain (see TypeInference.limitCuts): a chain cut in silence would drop a finding.
 */
function limitNotices(cuts: ReadonlySet<string>, records: readonly FileRecord[]): string[] {
  const byModule = new Map(records.map((r) => [r.module, r]));
  const out: string[] = [];
  for (const cut of [...cuts].sort()) {
    const [module = "", offset = "0", what = ""] = cut.split("\0");
    const r = byModule.get(module);
    if (!r) continue;
    let line = 1;
    try {
      const text = fs.readFileSync(r.file.abs, "utf8").slice(0, Number(offset));
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) line++;
    } catch {
      // The file changed or vanished since: the notice still names it.
    }
    out.push(`${r.file.rel}:${line}: analysis stopped at ${what}; findings that depend on this chain may be missing`);
  }
  return out;
}

/**
 * A summary as stored JSON, or null when it is too large for one string (V8 caps strings at ~512 MB; a
 * 20 MB module of endpoints comes near): such a summary is not stored, and the next run parses the file again.
 */
function serialisedSummary(summary: unknown): string | null {
  try {
    return JSON.stringify(summary);
  } catch {
    return null;
  }
}

function mergeFiles(a: DiscoveredFile[], b: DiscoveredFile[]): DiscoveredFile[] {
  const seen = new Set(a.map((f) => f.abs));
  return [...a, ...b.filter((f) => !seen.has(f.abs))];
}

/**
 * Reads and hashes a file (git blob hash). When the cache has the same bytes under the same module
 * identity, its facts are used as they are; else the record is a miss, to be parsed, with its bytes.
 */
function hashFile(
  file: DiscoveredFile,
  identity: ModuleIdentity,
  cache: CacheData,
  opts: CheckOptions,
): { rec: FileRecord; miss: boolean; bytes: Uint8Array | null } | { unreadable: Finding; notice: string } {
  if (file.unreadable !== undefined) {
    return { unreadable: syntaxFinding(file.rel, 1, 1, file.unreadable), notice: `${file.rel}: ${file.unreadable}` };
  }
  const given = opts.sources?.get(file.abs);
  let bytes: Uint8Array | null = null;
  let blob: string;
  try {
    if (given !== undefined) blob = blobHash(Buffer.from(given, "utf8"));
    else if (opts.snapshot) blob = opts.snapshot.blob(file.abs);
    else {
      bytes = readShared(file.abs);
      blob = blobHash(bytes);
    }
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    return {
      unreadable: syntaxFinding(file.rel, 1, 1, `cannot read the file (${reason}); dbfence skipped it`),
      notice: `${file.rel}: ${String(e)}`,
    };
  }
  const { module, isPackage } = identity;
  const hit = cache.files.get(file.rel);
  const rec = newRecord(file, module, isPackage, blob);
  if (hit && hit.blob === blob && hit.module === module && hit.isPackage === isPackage) {
    rec.summaryHash = hit.summary;
    rec.error = hit.error;
    rec.seeded = hit.seeded;
    rec.web = hit.web;
    rec.wired = hit.wired;
    rec.registers = hit.registers;
    rec.comments = hit.comments;
    rec.cachedCheck = hit.check;
    // Split on first use (`importsOf`), which most cached runs never make.
    rec.raw = { imports: hit.imports, names: hit.names, calls: hit.calls };
    return { rec, miss: false, bytes: null };
  }
  // The shared read buffer is reused by the next file: a miss keeps a copy of its bytes.
  return { rec, miss: true, bytes: bytes ? Buffer.from(bytes) : null };
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
