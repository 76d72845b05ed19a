/**
 * A worker thread of the engine (src/engine/pool.ts drives it, src/engine/run.ts plans its work). It holds
 * the run's file list and answers two tasks for the files of its shard:
 *  - `parse`: parse and summarise files, answer their facts (plain data); summaries stay here;
 *  - `check`: run the per-file rules on files, with a lazy project index of its own: summaries of files
 *    it parsed are reused, others are parsed when a rule first needs them. Answers findings and read sets.
 */
import { type MessagePort, workerData } from "node:worker_threads";
import { lines } from "../cache/store.js";
import type { DbfenceConfig } from "../config/load.js";
import type { DiscoveredFile } from "../files/discover.js";
import { compileGlobs } from "../files/globs.js";
import { attachCallGraph } from "../semantic/callgraph.js";
import { seedRegisteredEndpoints } from "../semantic/fastapi.js";
import { TypeInference } from "../semantic/infer.js";
import { ProjectIndex } from "../semantic/project.js";
import type { Finding } from "../types.js";
import { CallerTable } from "./callers.js";
import { connectorModules, moduleForFile } from "./modules.js";
import { WEB_ROOTS, WordMatcher } from "./prefilter.js";
import {
  checkFile,
  ensureSummary,
  type FileFacts,
  type FileRecord,
  factsOf,
  newRecord,
  type ParseEnv,
  parseInto,
} from "./records.js";

export interface WorkerData {
  files: DiscoveredFile[];
  config: DbfenceConfig;
  seeds: string[];
  /** The project's top-level names, as the main thread computed them (from every discovered file). */
  tops: string[];
  /** Each file's git blob hash as the main thread read it: a file that changed since is not trusted. */
  blobs: string[];
}

export type WorkerTask =
  | { kind: "parse"; ids: number[]; keep: number[] }
  | {
      kind: "check";
      /** Modules of the project in first-file-wins order: [module, file id]. */
      modules: [string, number][];
      /** Each module's called names, newline-joined, in the order of `modules` (the call graph's callers). */
      calls: string[];
      wired: string[];
      registering: string[];
      importedNames: string[];
      endpoints: string[];
      ids: number[];
    };

export type CheckAnswer =
  | { id: number; findings: Finding[]; reads: string[]; cuts?: string[] }
  | { id: number; failed: string };

const data = workerData as WorkerData & { port: MessagePort; signal: SharedArrayBuffer };
const signal = new Int32Array(data.signal);
const env: ParseEnv = {
  matcher: new WordMatcher(data.seeds),
  web: new WordMatcher(WEB_ROOTS),
  tops: new Set(data.tops),
};
const records = new Map<number, FileRecord>();

function progress(): void {
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function record(id: number): FileRecord {
  let r = records.get(id);
  if (!r) {
    const file = data.files[id] as DiscoveredFile;
    const { module, isPackage } = moduleForFile(file.rel, data.config.src);
    r = newRecord(file, module, isPackage, data.blobs[id] ?? "");
    records.set(id, r);
  }
  return r;
}

export interface ParseAnswer {
  facts: FileFacts[];
  /** The summaries of wired modules as JSON (the main thread's whole-project rules read them), else null. */
  json: (string | null)[];
}

function parse(ids: readonly number[], keep: ReadonlySet<number>): ParseAnswer {
  const out: FileFacts[] = [];
  const json: (string | null)[] = [];
  for (const [n, id] of ids.entries()) {
    const r = record(id);
    // Trees of files this worker will check stay until then: parsing them twice costs more than keeping them.
    parseInto(r, null, {}, env, keep.has(id));
    // Summaries stay for the check task; the text is cheap to read again and costs memory.
    r.text = null;
    out.push(factsOf(r));
    json.push(r.wired && r.summary ? JSON.stringify(r.summary) : null);
    if (n % 64 === 63) progress();
  }
  return { facts: out, json };
}

function check(task: Extract<WorkerTask, { kind: "check" }>): CheckAnswer[] {
  const byModule = new Map<string, FileRecord>();
  for (const [module, id] of task.modules) {
    const r = record(id);
    // Every listed module parsed without error somewhere: mark it so that its summary can be built here.
    if (r.summaryHash === null) r.summaryHash = "?";
    byModule.set(module, r);
  }
  const project = new ProjectIndex({
    names: new Set(byModule.keys()),
    wired: task.wired,
    registering: task.registering,
    importedNames: new Set(task.importedNames),
    load: (module) => {
      const r = byModule.get(module);
      return r ? ensureSummary(r, {}) : undefined;
    },
  });
  seedRegisteredEndpoints(project, new Set(task.endpoints));
  const infer = new TypeInference(project, {
    connectors: connectorModules(data.config.connector, data.config.src),
    sessionDependencies: data.config.sessionDependency,
  });
  attachCallGraph(infer, new CallerTable(() => task.modules.map(([m], i) => [m, lines(task.calls[i] ?? "")] as const)));
  const fixtures = compileGlobs(data.config.testFixtureModules);
  const out: CheckAnswer[] = [];
  for (const [n, id] of task.ids.entries()) {
    const r = record(id);
    try {
      const { value, reads } = project.track(() =>
        checkFile(r, data.config, infer, fixtures.matches(r.file.rel, false), {}),
      );
      const cuts = infer.limitCuts.size > 0 ? [...infer.limitCuts] : undefined;
      infer.limitCuts.clear();
      out.push({ id, findings: value, reads: [...reads], ...(cuts ? { cuts } : {}) });
    } catch (e) {
      out.push({ id, failed: e instanceof Error ? e.message : String(e) });
    }
    r.text = null;
    if (n % 32 === 31) progress();
  }
  return out;
}

data.port.on("message", (task: WorkerTask) => {
  try {
    data.port.postMessage(task.kind === "parse" ? parse(task.ids, new Set(task.keep)) : check(task));
  } catch (e) {
    data.port.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
  progress();
});
