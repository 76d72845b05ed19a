/**
 * The cache's summary store (`.dbfence_cache/v1/<key>.summaries`): the module summaries of wired modules
 * (the ones the whole-project rules read), as JSON, by summary hash. When an edit makes the whole-project
 * pass run again, it reads these instead of parsing every router again.
 *
 * One line per summary, `<summary hash> <JSON>`; new summaries are appended, and the file is rewritten
 * without the ones no file refers to any more when those make up half of it. A line that is not a hash, a
 * space and JSON is skipped; a summary whose JSON does not parse is parsed from its source instead. The
 * hash is of the module's code, path and identity (src/engine/records.ts `summaryHash`), so a stored
 * summary is the one parsing would build.
 */
import fs from "node:fs";
import path from "node:path";

const HASH = /^[0-9a-f]{40}$/;

export class SummaryStore {
  private lines: Map<string, string> | null = null;
  private readonly added = new Map<string, string>();
  private readonly file: string;

  constructor(dir: string, key: string) {
    this.file = path.join(dir, "v1", `${key}.summaries`);
  }

  private load(): Map<string, string> {
    if (this.lines) return this.lines;
    const lines = new Map<string, string>();
    let text = "";
    try {
      text = fs.readFileSync(this.file, "utf8");
    } catch {
      // no store yet
    }
    for (const line of text.split("\n")) {
      const space = line.indexOf(" ");
      const hash = line.slice(0, space);
      if (space === 40 && HASH.test(hash)) lines.set(hash, line.slice(space + 1));
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
    try {
      // The file is only read when this run needed it: then stale lines are counted and maybe dropped.
      const lines = this.lines;
      let stale = 0;
      if (lines) for (const h of lines.keys()) if (!keep.has(h)) stale++;
      if (lines && stale > 0 && stale * 2 >= lines.size) {
        const kept: string[] = [];
        for (const [h, json] of [...lines, ...this.added]) if (keep.has(h)) kept.push(`${h} ${json}\n`);
        const tmp = `${this.file}.${process.pid}.tmp`;
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        fs.writeFileSync(tmp, kept.join(""));
        fs.renameSync(tmp, this.file);
      } else if (this.added.size > 0) {
        const out: string[] = [];
        for (const [h, json] of this.added) if (keep.has(h)) out.push(`${h} ${json}\n`);
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        fs.appendFileSync(this.file, out.join(""));
      }
      if (lines) for (const [h, json] of this.added) lines.set(h, json);
      this.added.clear();
    } catch {
      // the next run will parse what it needs
    }
  }
}
