/**
 * The content-hash cache in `.dbfence_cache/` at the project root.
 *
 * One JSON file per tool build and configuration (`v1/<key>.json`, key = hash of dbfence's own compiled code
 * and of the resolved configuration), holding per file:
 *  - the git blob hash of its bytes, its module name, and the facts the engine needs without parsing it
 *    (summary hash, imports, prefilter seed, wiring flag, imported names, suppression comments, or the DBF900
 *    it is);
 *  - its per-file findings with the **read set** they were computed from: every module summary and
 *    whole-project fact the rules asked the project index for (src/semantic/project.ts), with a digest of
 *    their values at the time.
 * Findings are reused only when the file's bytes are the same and the digest of the current values of its
 * read set is the same. Anything else (a missing, unreadable, corrupt, foreign or stale file, a record of
 * the wrong shape) is ignored and rebuilt: the cache is never trusted beyond what it can prove.
 *
 * A cache file is `<HMAC>\n<JSON>`, the HMAC keyed by this machine's secret (src/cache/integrity.ts): an
 * edited, copied or committed cache does not verify and is rebuilt.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Comment } from "../parser/ast.js";
import type { Finding } from "../types.js";
import { cacheSecret, MAX_CACHE_BYTES, mac, macEqual, machineId, readRegular, safeFolder } from "./integrity.js";
import { SummaryStore } from "./summaries.js";
import { writeReplacing } from "./write.js";

export const CACHE_DIR = ".dbfence_cache";
const FORMAT = 2;

const position = {
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int(),
};
const findingSchema = z.object({
  code: z.string(),
  name: z.string(),
  severity: z.enum(["error", "warning"]),
  path: z.string(),
  ...position,
  message: z.string(),
  fix: z
    .object({
      description: z.string(),
      applicability: z.enum(["safe", "unsafe"]).optional(),
      edits: z.array(z.object({ ...position, text: z.string() })),
    })
    .nullable(),
});
const commentSchema = z.object({
  start: z.number().int(),
  text: z.string(),
  line: z.number().int(),
  trailing: z.boolean(),
});
/**
 * The top level of a cache file. Files are positional arrays (the cache of a large project is read on every
 * run, so it is kept small and checked by hand in `fileEntry`; findings and comments, rare, go through zod):
 * `[blob, module, isPackage 0|1, summary hash | null, flags (1 seeded, 2 web, 4 wired, 8 registers),
 *   imports (one per line), names (`m n` per line), error finding | null, comments, check | null,
 *   called names (one per line)]`,
 * check = `[findings, read set as indices into keys]`.
 */
const cacheSchema = z.object({
  format: z.literal(FORMAT),
  key: z.string(),
  /**
   * Every read-set key, with its value when the file was written (all entries agree with it), as
   * `[key, value]` pairs: checked by hand in `loadCache` (tens of thousands of pairs).
   */
  keys: z.unknown(),
  /** Checked entry by entry in `fileEntry`. */
  files: z.unknown(),
  endpoints: z.object({ reads: z.array(z.number()), values: z.record(z.string(), z.string()) }).nullable(),
  project: z.object({ reads: z.array(z.number()), findings: z.array(findingSchema) }).nullable(),
});
const findingsSchema = z.array(findingSchema);
const commentsSchema = z.array(commentSchema);
type StoredFile = [
  string,
  string,
  0 | 1,
  string | null,
  number,
  string,
  string,
  Finding | null,
  Comment[],
  [Finding[], number[]] | null,
  string,
];

export interface CachedFile {
  blob: string;
  module: string;
  isPackage: boolean;
  /** null: the file is a DBF900 (cannot be decoded or parsed). */
  summary: string | null;
  error: Finding | null;
  seeded: boolean;
  web: boolean;
  /** Modules its imports reach, one per line (split by the engine when it needs them). */
  imports: string;
  /** `from m import n` pairs, as `m n`, one per line. */
  names: string;
  /** Names the module calls things by (src/semantic/callgraph.ts `calledNames`), one per line. */
  calls: string;
  wired: boolean;
  registers: boolean;
  comments: Comment[];
  check: { findings: Finding[]; reads: Reads } | null;
}
/**
 * A read set: the keys a computation read and what each was worth then. It is still valid when every
 * key is worth the same now.
 */
export type Reads = ReadonlyArray<readonly [string, string]>;
export interface CacheData {
  files: Map<string, CachedFile>;
  endpoints: { reads: Reads; values: Record<string, string> } | null;
  project: { reads: Reads; findings: Finding[] } | null;
}

export function emptyCache(): CacheData {
  return { files: new Map(), endpoints: null, project: null };
}

export function sha1(data: string | Uint8Array): string {
  return crypto.createHash("sha1").update(data).digest("hex");
}

/** The git blob hash of a file's bytes (what `git ls-files -s` prints for an unmodified file). */
export function blobHash(bytes: Uint8Array): string {
  return crypto.createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

let toolHash: string | null = null;
/** A hash of dbfence's own compiled code: any change to the analyzer makes every cache entry foreign. */
export function toolFingerprint(): string {
  if (toolHash) return toolHash;
  const h = crypto.createHash("sha1");
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".js")) h.update(path.relative(root, p)).update("\0").update(fs.readFileSync(p));
    }
  };
  walk(root);
  toolHash = h.digest("hex");
  return toolHash;
}

/** The cache key of a run: the tool build and the resolved configuration. */
export function cacheKey(config: unknown): string {
  return sha1(`${FORMAT}\0${toolFingerprint()}\0${JSON.stringify(config)}`);
}

export interface OpenedCache {
  key: string;
  cache: CacheData;
  store: SummaryStore;
  secret: Buffer;
}

/**
 * The cache of this checkout on this machine: its key binds the tool build, the configuration (`parts`),
 * the checkout's absolute root and this machine's secret; its files are verified against the secret.
 * `opened` is null without a cache folder or without a usable secret (`problem` says why).
 */
export function openCache(
  dir: string | null,
  root: string,
  parts: Record<string, unknown>,
): { opened: OpenedCache | null; problem: string | null } {
  if (!dir) return { opened: null, problem: null };
  const { key: secret, problem } = cacheSecret();
  if (!secret) return { opened: null, problem };
  const key = cacheKey({ ...parts, root: path.resolve(root), machine: machineId(secret) });
  return {
    opened: { key, cache: loadCache(dir, key, secret), store: new SummaryStore(dir, key, secret), secret },
    problem: null,
  };
}

/** Is every key of the read set worth what it was? (Each key's current value is computed once per run.) */
export function stillValid(reads: Reads, value: (key: string) => string): boolean {
  for (const [k, v] of reads) if (value(k) !== v) return false;
  return true;
}

/** A stored file entry, checked field by field; null when anything is off. */
function fileEntry(f: unknown[], reads: (r: unknown) => Reads | null): CachedFile | null {
  const [blob, module, isPackage, summary, flags, imports, names, error, comments, check, calls] = f;
  if (
    f.length !== 11 ||
    typeof blob !== "string" ||
    typeof module !== "string" ||
    (isPackage !== 0 && isPackage !== 1) ||
    (summary !== null && typeof summary !== "string") ||
    typeof flags !== "number" ||
    typeof imports !== "string" ||
    typeof names !== "string" ||
    typeof calls !== "string" ||
    !Array.isArray(comments)
  ) {
    return null;
  }
  if (error !== null && !findingSchema.safeParse(error).success) return null;
  if (comments.length > 0 && !commentsSchema.safeParse(comments).success) return null;
  let checked: CachedFile["check"] = null;
  if (check !== null) {
    if (!Array.isArray(check) || check.length !== 2 || !Array.isArray(check[0])) return null;
    if (check[0].length > 0 && !findingsSchema.safeParse(check[0]).success) return null;
    const r = reads(check[1]);
    if (!r) return null;
    checked = { findings: check[0] as Finding[], reads: r };
  }
  return {
    blob,
    module,
    isPackage: isPackage === 1,
    summary,
    error: error as Finding | null,
    seeded: (flags & 1) !== 0,
    web: (flags & 2) !== 0,
    wired: (flags & 4) !== 0,
    registers: (flags & 8) !== 0,
    imports,
    names,
    calls,
    comments: comments as Comment[],
    check: checked,
  };
}

/** A newline-joined list of the cache, split. */
export function lines(s: string): string[] {
  return s === "" ? [] : s.split("\n");
}

function cacheFile(dir: string, key: string): string {
  return path.join(dir, "v1", `${key}.json`);
}

/** Reads the cache for `key`; anything unreadable, unsigned or malformed is an empty cache. */
export function loadCache(dir: string, key: string, secret: Buffer): CacheData {
  const bytes = readRegular(cacheFile(dir, key), MAX_CACHE_BYTES);
  if (!bytes) return emptyCache();
  const newline = bytes.indexOf(10);
  if (newline !== 64) return emptyCache();
  const body = bytes.subarray(newline + 1);
  if (!macEqual(bytes.subarray(0, newline).toString("latin1"), mac(secret, `${key}.json`, body))) {
    return emptyCache();
  }
  let parsed: z.infer<typeof cacheSchema>;
  try {
    const r = cacheSchema.safeParse(JSON.parse(body.toString("utf8")));
    if (!r.success || r.data.key !== key) return emptyCache();
    parsed = r.data;
  } catch {
    return emptyCache();
  }
  const keys = parsed.keys;
  if (!Array.isArray(keys)) return emptyCache();
  for (const k of keys) {
    if (!Array.isArray(k) || k.length !== 2 || typeof k[0] !== "string" || typeof k[1] !== "string") {
      return emptyCache();
    }
  }
  const reads = (r: unknown): Reads | null => {
    if (!Array.isArray(r)) return null;
    const out: (readonly [string, string])[] = [];
    for (const i of r) {
      const k = typeof i === "number" ? keys[i] : undefined;
      if (k === undefined) return null;
      out.push(k);
    }
    return out;
  };
  const data = emptyCache();
  if (typeof parsed.files !== "object" || parsed.files === null || Array.isArray(parsed.files)) return emptyCache();
  for (const [rel, f] of Object.entries(parsed.files)) {
    const entry = Array.isArray(f) ? fileEntry(f, reads) : null;
    // One malformed entry means the file was not written by this build: nothing in it is used.
    if (!entry) return emptyCache();
    data.files.set(rel, entry);
  }
  if (parsed.endpoints) {
    const r = reads(parsed.endpoints.reads);
    if (r) data.endpoints = { reads: r, values: Object.assign(Object.create(null), parsed.endpoints.values) };
  }
  if (parsed.project) {
    const r = reads(parsed.project.reads);
    if (r) data.project = { reads: r, findings: parsed.project.findings as Finding[] };
  }
  return data;
}

/**
 * Writes the cache for `key` atomically (a temporary file renamed over the old one) and removes the caches
 * of other keys. A cache that cannot be written is not an error: the run's result does not depend on it.
 */
export function saveCache(dir: string, key: string, data: CacheData, secret: Buffer): string | null {
  const keys: [string, string][] = [];
  const index = new Map<string, number>();
  const ref = (r: Reads): number[] =>
    r.map(([k, v]) => {
      const id = `${k}\0${v}`;
      let i = index.get(id);
      if (i === undefined) {
        i = keys.length;
        keys.push([k, v]);
        index.set(id, i);
      }
      return i;
    });
  const files: Record<string, StoredFile> = {};
  for (const [rel, f] of data.files) {
    files[rel] = [
      f.blob,
      f.module,
      f.isPackage ? 1 : 0,
      f.summary,
      (f.seeded ? 1 : 0) | (f.web ? 2 : 0) | (f.wired ? 4 : 0) | (f.registers ? 8 : 0),
      f.imports,
      f.names,
      f.error,
      f.comments,
      f.check ? [f.check.findings, ref(f.check.reads)] : null,
      f.calls,
    ];
  }
  const out = {
    format: FORMAT,
    key,
    keys,
    files,
    endpoints: data.endpoints ? { reads: ref(data.endpoints.reads), values: data.endpoints.values } : null,
    project: data.project ? { reads: ref(data.project.reads), findings: data.project.findings } : null,
  };
  const target = cacheFile(dir, key);
  // Never written or cleaned through a symlinked folder (a committed `.dbfence_cache/v1 -> ~`).
  if (!safeFolder(dir, "v1")) return `${dir} or its v1 folder is not a plain folder; the cache is not written`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // `wx`: an existing name (a committed symlink too) is left alone, never followed.
    createOnce(path.join(dir, ".gitignore"), "# Created by dbfence: its cache, never committed.\n*\n");
    createOnce(
      path.join(dir, "CACHEDIR.TAG"),
      "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by dbfence.\n",
    );
    const body = JSON.stringify(out);
    writeReplacing(target, `${mac(secret, `${key}.json`, body)}\n${body}`);
    for (const other of fs.readdirSync(path.dirname(target))) {
      // Only dbfence's own names: a file put there by someone else is not ours to remove.
      if (OWN_FILE.test(other) && !other.startsWith(`${key}.`)) {
        fs.rmSync(path.join(path.dirname(target), other), { force: true });
      }
    }
    return null;
  } catch (e) {
    return `cannot write the cache in ${dir} (${e instanceof Error ? e.message : String(e)}); the next run will not be faster`;
  }
}

/** Names of cache files (`<key>.json`, `<key>.summaries`). */
const OWN_FILE = /^[0-9a-f]{40}\.(json|summaries)$/;

function createOnce(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text, { flag: "wx" });
  } catch {
    // there already: kept as it is
  }
}

/** Comments the suppression filters read (`# dbfence: ignore[...]`, `# noqa: ...`); the cache keeps only these. */
export function suppressionComments(comments: readonly Comment[]): Comment[] {
  return comments.filter((c) => /dbfence|noqa/i.test(c.text));
}
