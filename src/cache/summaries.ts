/**
 * The cache's summary store (`.dbfence_cache/v1/<key>.summaries`): the module summaries of wired modules
 * (the ones the whole-project rules read), as JSON, by summary hash. When an edit makes the whole-project
 * pass run again, it reads these instead of parsing every router again.
 *
 * One line per summary, `<summary hash> <HMAC> <JSON>` (the HMAC keyed by this machine's secret, over the
 * cache key, the hash and the JSON: src/cache/integrity.ts); new summaries are appended, and the file is
 * rewritten without the ones no file refers to any more when those make up half of it. A line that is not
 * a hash, a verified HMAC and JSON is skipped; a summary whose JSON does not parse is parsed from its
 * source instead. Only a regular file of at most MAX_CACHE_BYTES is read. The
 * hash is of the module's code, path and identity (src/engine/records.ts `summaryHash`), so a stored
 * summary is the one parsing would build.
 */
import fs from "node:fs";
import path from "node:path";
import { MAX_CACHE_BYTES, mac, macEqual, readRegular, safeFolder } from "./integrity.js";
import { writeReplacing } from "./write.js";

const HASH = /^[0-9a-f]{40}$/;
const MAC_LENGTH = 64;

export class SummaryStore {
  private lines: Map<string, string> | null = null;
  private readonly added = new Map<string, string>();
  private readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly key: string,
    private readonly secret: Buffer,
  ) {
    this.file = path.join(dir, "v1", `${key}.summaries`);
  }

  private line(hash: string, json: string): string {
    return `${hash} ${mac(this.secret, `${this.key}\0${hash}`, json)} ${json}\n`;
  }

  private load(): Map<string, string> {
    if (this.lines) return this.lines;
    const lines = new Map<string, string>();
    // No store yet, or not a regular file of a sane size: nothing stored.
    const text = readRegular(this.file, MAX_CACHE_BYTES)?.toString("utf8") ?? "";
    for (const line of text.split("\n")) {
      const hash = line.slice(0, 40);
      if (line[40] !== " " || line[41 + MAC_LENGTH] !== " " || !HASH.test(hash)) continue;
      const json = line.slice(42 + MAC_LENGTH);
      if (macEqual(line.slice(41, 41 + MAC_LENGTH), mac(this.secret, `${this.key}\0${hash}`, json))) {
        lines.set(hash, json);
      }
    }
    this.lines = lines;
    return lines;
  }

  /** The stored JSON of the summary with this hash (revived and checked by the engine), or undefined. */
  json(hash: string): string | undefined {
    return this.added.get(hash) ?? this.load().get(hash);
  }

  /** Adds a summary (a duplicate line is harmless: the last one read wins, compaction drops it). */
  add(hash: string, json: string): void {
    if (!this.lines?.has(hash)) this.added.set(hash, json);
  }

  /**
   * Appends the summaries added in this run; rewrites the file with only those in `keep` when the others
   * are half of it. Failing to write only costs speed, like the rest of the cache.
   */
  save(keep: ReadonlySet<string>): void {
    if (!safeFolder(this.dir, "v1")) return;
    try {
      // The file is only read when this run needed it: then stale lines are counted and maybe dropped.
      const lines = this.lines;
      let stale = 0;
      if (lines) for (const h of lines.keys()) if (!keep.has(h)) stale++;
      if (lines && stale > 0 && stale * 2 >= lines.size) {
        const kept: string[] = [];
        for (const [h, json] of [...lines, ...this.added]) if (keep.has(h)) kept.push(this.line(h, json));
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        writeReplacing(this.file, kept.join(""));
      } else if (this.added.size > 0) {
        const out: string[] = [];
        for (const [h, json] of this.added) if (keep.has(h)) out.push(this.line(h, json));
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        appendRegular(this.file, out.join(""));
      }
      if (lines) for (const [h, json] of this.added) lines.set(h, json);
      this.added.clear();
    } catch {
      // the next run will parse what it needs
    }
  }
}

/** Appends to `file`, never through a symlink: a name that is not a regular file is replaced first. */
function appendRegular(file: string, text: string): void {
  try {
    if (!fs.lstatSync(file).isFile()) fs.rmSync(file, { force: true });
  } catch {
    // absent: created below
  }
  const fd = fs.openSync(
    file,
    fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | (fs.constants.O_NOFOLLOW ?? 0),
    0o600,
  );
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}
