/**
 * The call graph's view of the whole project (src/semantic/callgraph.ts): which modules call something by a
 * name, from each file's cached `calls` list, and the prefilter's seeds that caller-inferred parameters add.
 * Shared by the engine and its worker threads, so that both find the same callers.
 */
import { sha1 } from "../cache/store.js";
import { type CallerIndex, callGraphOf } from "../semantic/callgraph.js";
import type { TypeInference } from "../semantic/infer.js";
import { taintedModules } from "./prefilter.js";

/** Modules by the names they call, built on first use from `[module, called names]` pairs. */
export class CallerTable implements CallerIndex {
  private table: Map<string, string[]> | null = null;
  private readonly digests = new Map<string, string>();

  constructor(private readonly entries: () => Iterable<readonly [string, readonly string[]]>) {}

  modulesCalling(name: string): readonly string[] {
    if (!this.table) {
      const t = new Map<string, string[]>();
      for (const [module, names] of this.entries()) {
        for (const n of names) {
          const list = t.get(n);
          if (list) list.push(module);
          else t.set(n, [module]);
        }
      }
      for (const list of t.values()) list.sort();
      this.table = t;
    }
    return this.table.get(name) ?? [];
  }

  /** What the read-set key `#calls:<name>` is worth: the modules calling that name. */
  digest(name: string): string {
    let d = this.digests.get(name);
    if (d === undefined) {
      d = sha1(this.modulesCalling(name).join("\n"));
      this.digests.set(name, d);
    }
    return d;
  }
}

export interface CallerTaintNode {
  module: string;
  imports: readonly string[];
  calls: readonly string[];
}

/**
 * The prefilter's taint with the modules whose functions receive an async session from their callers
 * (src/engine/prefilter.ts): such a parameter needs no import of a library to be a session. Only a module
 * that holds a session value can pass one, and that is a tainted module or one seeded here, so the modules
 * are seeded to a fixpoint: a function is asked about only when a tainted module calls its name.
 */
export function withCallerSeeds(
  nodes: readonly CallerTaintNode[],
  tainted: Set<string>,
  seeds: ReadonlySet<string>,
  infer: TypeInference,
): Set<string> {
  const graph = callGraphOf(infer);
  const asked = new Set<string>();
  const extra = new Set<string>();
  let current = tainted;
  for (;;) {
    const called = new Set<string>();
    for (const n of nodes) if (current.has(n.module)) for (const c of n.calls) called.add(c);
    let grew = false;
    for (const n of nodes) {
      if (current.has(n.module) || asked.has(n.module)) continue;
      const s = infer.project.get(n.module);
      if (!s || !graph.receivesSession(s, called)) continue;
      asked.add(n.module);
      extra.add(n.module);
      grew = true;
    }
    if (!grew) return current;
    current = taintedModules(
      nodes.map((n) => ({ module: n.module, seeded: seeds.has(n.module) || extra.has(n.module), imports: n.imports })),
    );
  }
}
