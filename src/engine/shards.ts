/**
 * Splits a project between worker threads so that each mostly needs modules it parses itself: a rule pass
 * reads the summaries of the modules a file imports, and a worker that does not own one parses it again.
 *
 * Modules are grouped along import edges (union-find), leaving out hubs — modules imported by, or importing,
 * more than √N others (the connector, `main.py` including every router) — which would otherwise join
 * everything into one group; the groups are then packed into the shards by size, largest first. The
 * imports of files not parsed yet come from a quick scan of their import lines (`importLines`), which
 * only has to be good enough to place files: results never depend on the plan.
 */
import { absoluteModule } from "../semantic/summary.js";

export interface ShardInput {
  module: string;
  isPackage: boolean;
  /** Modules it imports (exact from a parse, or from `importLines`). */
  imports: readonly string[];
  /** Work estimate (bytes). */
  size: number;
}

const IMPORT_LINE = /^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+([^\n#;]*)|import[ \t]+([^\n#;]*))/gm;

/** Modules named by the import statements at the start of lines (approximate: for planning only). */
export function importLines(text: string, module: string, isPackage: boolean): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(IMPORT_LINE)) {
    if (m[1] !== undefined) {
      const dots = /^\.*/.exec(m[1])?.[0].length ?? 0;
      const base = absoluteModule(module, isPackage, dots, m[1].slice(dots));
      if (base) out.add(base);
      for (const name of (m[2] ?? "").replace(/[()\\]/g, " ").split(",")) {
        const n = name.trim().split(/\s+/)[0];
        if (n && n !== "*") out.add(base ? `${base}.${n}` : n);
      }
    } else {
      for (const name of (m[3] ?? "").split(",")) {
        const n = name.trim().split(/\s+/)[0];
        if (n) out.add(n);
      }
    }
  }
  return [...out];
}

/** A shard number for every input, `0 <= n < shards`. */
export function planShards(inputs: readonly ShardInput[], shards: number): number[] {
  const n = inputs.length;
  const index = new Map<string, number>();
  for (const [i, f] of inputs.entries()) if (!index.has(f.module)) index.set(f.module, i);
  const edges: [number, number][] = [];
  const degree = new Array<number>(n).fill(0);
  for (const [i, f] of inputs.entries()) {
    for (const m of f.imports) {
      const j = index.get(m);
      if (j === undefined || j === i) continue;
      edges.push([i, j]);
      degree[i] = (degree[i] as number) + 1;
      degree[j] = (degree[j] as number) + 1;
    }
  }
  const limit = Math.max(8, Math.sqrt(n));
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[x] !== r) {
      const next = parent[x] as number;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  for (const [a, b] of edges) {
    if ((degree[a] as number) > limit || (degree[b] as number) > limit) continue;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[ra] = rb;
  }
  const groups = new Map<number, { members: number[]; size: number }>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let g = groups.get(r);
    if (!g) {
      g = { members: [], size: 0 };
      groups.set(r, g);
    }
    g.members.push(i);
    g.size += (inputs[i] as ShardInput).size;
  }
  // A group larger than half a shard's share is cut into pieces of that size (files in path order, so a
  // piece still holds neighbouring modules): one huge group would otherwise leave the other workers idle.
  const total = [...groups.values()].reduce((t, g) => t + g.size, 0);
  const piece = Math.max(1, total / shards / 2);
  const pieces: { members: number[]; size: number }[] = [];
  for (const g of groups.values()) {
    if (g.size <= piece) {
      pieces.push(g);
      continue;
    }
    let cur: { members: number[]; size: number } = { members: [], size: 0 };
    for (const m of g.members) {
      cur.members.push(m);
      cur.size += (inputs[m] as ShardInput).size;
      if (cur.size >= piece) {
        pieces.push(cur);
        cur = { members: [], size: 0 };
      }
    }
    if (cur.members.length > 0) pieces.push(cur);
  }
  const load = new Array<number>(shards).fill(0);
  const out = new Array<number>(n).fill(0);
  const ordered = pieces.sort((a, b) => b.size - a.size || (a.members[0] as number) - (b.members[0] as number));
  for (const g of ordered) {
    let best = 0;
    for (let s = 1; s < shards; s++) if ((load[s] as number) < (load[best] as number)) best = s;
    load[best] = (load[best] as number) + g.size;
    for (const m of g.members) out[m] = best;
  }
  return out;
}
