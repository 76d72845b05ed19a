/**
 * DBF901's fix: the unused codes leave the directive; a directive left without codes leaves the
 * comment, and a comment left empty leaves the line (with the blanks before it). Other text in the
 * comment stays: `# type: ignore  # noqa: DBF104` becomes `# type: ignore`, and `# noqa: E501, DBF104`
 * becomes `# noqa: E501`.
 */
import type { Comment } from "../parser/ast.js";
import type { LineMap } from "../parser/lines.js";
import type { Fix } from "../types.js";
import { deleteEdit, replaceEdit, sliceLine } from "./edits.js";

export interface DirectiveToFix {
  kind: "dbfence" | "noqa";
  /** Offset where the directive (`dbfence:` or `noqa:`) starts. */
  start: number;
  unused: readonly string[];
}

const LIST = {
  dbfence: /dbfence:\s*ignore\[([^\]]*)\]/y,
  noqa: /noqa:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)/iy,
};

export function unusedSuppressionFix(comment: Comment, d: DirectiveToFix, lines: LineMap): Fix | null {
  const text = comment.text;
  const at = d.start - comment.start;
  const re = LIST[d.kind];
  re.lastIndex = at;
  const m = re.exec(text);
  if (!m || m[1] === undefined) return null;
  const listEnd = d.kind === "dbfence" ? at + m[0].length - 1 : at + m[0].length;
  const listStart = listEnd - m[1].length;
  const unused = new Set(d.unused.map((c) => c.toUpperCase()));
  const items = m[1].split(",").map((c) => c.trim());
  const kept = items.filter((c) => c !== "" && !unused.has(c.toUpperCase()));
  const abs = (i: number): number => comment.start + i;

  if (kept.length > 0) {
    const sep = /,\s/.test(m[1]) ? ", " : ",";
    return {
      description: `Remove the unused ${plural(d.unused.length, "code")} from the suppression`,
      applicability: "safe",
      edits: [replaceEdit(lines, abs(listStart), abs(listEnd), kept.join(sep))],
    };
  }

  // The directive's part of the comment runs to the next `#` (a reason belongs to it) or the end.
  const nextHash = text.indexOf("#", at + m[0].length);
  const segmentEnd = nextHash < 0 ? text.length : trimEnd(text, nextHash);
  let hash = at;
  while (hash > 0 && /\s/.test(text[hash - 1] as string)) hash--;
  const ownHash = hash > 0 && text[hash - 1] === "#";
  let edit: Fix["edits"][number];
  if (ownHash && hash - 1 === 0) {
    if (nextHash < 0) {
      // The whole comment goes, with the blanks between the code and it.
      const before = sliceLine(lines, lines.lineStart(lines.lineOf(comment.start)), comment.start) ?? "";
      const blanks = before.length - before.trimEnd().length;
      edit = deleteEdit(lines, comment.start - blanks, abs(text.length));
    } else {
      edit = deleteEdit(lines, comment.start, abs(nextHash));
    }
  } else {
    // Another comment comes first (`# type: ignore  # noqa: ...`), or the directive follows text.
    const from = ownHash ? trimEnd(text, hash - 1) : hash;
    edit = deleteEdit(lines, abs(from), abs(segmentEnd));
  }
  return {
    description: "Remove the unused suppression",
    applicability: "safe",
    edits: [edit],
  };
}

function trimEnd(text: string, end: number): number {
  let i = end;
  while (i > 0 && /\s/.test(text[i - 1] as string)) i--;
  return i;
}

const plural = (n: number, word: string): string => (n === 1 ? word : `${word}s`);
