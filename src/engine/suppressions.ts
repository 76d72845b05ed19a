/**
 * Suppression comments: `# dbfence: ignore[DBF104,DBF105] reason` and `# noqa: DBF104`, found anywhere
 * in a trailing comment (one that follows code on its line). Comment-only lines are never directives.
 */
import type { Comment } from "../parser/ast.js";

export interface Suppression {
  line: number;
  /** Offset of the directive inside the file (for the DBF901/DBF902 column). */
  start: number;
  end: number;
  kind: "dbfence" | "noqa";
  codes: string[];
  reason: string;
  used: Set<string>;
}

const DBFENCE = /dbfence:\s*ignore\[([^\]]*)\]([^#]*)/g;
const NOQA = /noqa:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)/gi;

export function parseSuppressions(comments: readonly Comment[]): Suppression[] {
  const out: Suppression[] = [];
  for (const c of comments) {
    if (!c.trailing) continue;
    for (const m of c.text.matchAll(DBFENCE)) {
      const codes = splitCodes(m[1] ?? "");
      if (codes.length === 0) continue;
      const start = c.start + (m.index ?? 0);
      out.push({
        line: c.line,
        start,
        end: c.start + c.text.length,
        kind: "dbfence",
        codes,
        reason: (m[2] ?? "").trim(),
        used: new Set(),
      });
    }
    for (const m of c.text.matchAll(NOQA)) {
      // Other tools' codes (E501, F401) share the comment; only DBF codes are ours.
      const codes = splitCodes(m[1] ?? "").filter((code) => code.startsWith("DBF"));
      if (codes.length === 0) continue;
      const start = c.start + (m.index ?? 0);
      out.push({ line: c.line, start, end: c.start + c.text.length, kind: "noqa", codes, reason: "", used: new Set() });
    }
  }
  return out;
}

function splitCodes(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => /^[A-Z]+\d+$/.test(s));
}
