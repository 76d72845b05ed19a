/**
 * Applies fixes to one file's text, after Ruff: fixes are taken in source order, a fix whose edits
 * overlap an edit already taken is left for the next pass (never merged), an edit identical to one
 * already taken is shared (two findings may need the same import), and the edits are applied from
 * the end so that earlier offsets stay valid.
 */
import { LineMap } from "../parser/lines.js";
import type { Fix, TextEdit } from "../types.js";

interface OffsetEdit {
  start: number;
  end: number;
  text: string;
}

export interface ApplyResult {
  output: string;
  /** The fixes whose edits are in `output`, in source order. */
  applied: Fix[];
  /** Fixes left out: overlapping an applied one, or with edits that do not fit the text. */
  skipped: Fix[];
}

/** UTF-16 offset of a 1-based line and code-point column; null when the position is not in the text. */
export function offsetAt(text: string, lines: LineMap, line: number, column: number): number | null {
  if (line < 1 || column < 1 || line > lines.lineCount) return null;
  const start = lines.lineStart(line);
  const end = start + lines.lineText(line).length;
  let offset = start;
  for (let c = 1; c < column; c++) {
    if (offset >= end) return null;
    const ch = text.charCodeAt(offset);
    offset += ch >= 0xd800 && ch <= 0xdbff && offset + 1 < end ? 2 : 1;
  }
  // A column may point just past the line's text (the end of the line), never into its line break.
  return offset <= end ? offset : null;
}

function toOffsets(text: string, lines: LineMap, edit: TextEdit): OffsetEdit | null {
  const start = offsetAt(text, lines, edit.line, edit.column);
  // An edit may end at the start of the line after the last one's text: that is the end of the file.
  const end =
    edit.endLine === lines.lineCount + 1 && edit.endColumn === 1
      ? text.length
      : offsetAt(text, lines, edit.endLine, edit.endColumn);
  if (start === null || end === null || end < start) return null;
  return { start, end, text: edit.text };
}

/** Overlapping ranges, or an insertion at a point inside or at either end of the other edit. */
function conflicts(a: OffsetEdit, b: OffsetEdit): boolean {
  if (a.start < b.end && b.start < a.end) return true;
  if (a.start === a.end && b.start <= a.start && a.start <= b.end) return true;
  return b.start === b.end && a.start <= b.start && b.start <= a.end;
}

const same = (a: OffsetEdit, b: OffsetEdit): boolean => a.start === b.start && a.end === b.end && a.text === b.text;

export function applyFixes(text: string, fixes: readonly Fix[]): ApplyResult {
  const lines = new LineMap(text);
  const candidates: { fix: Fix; edits: OffsetEdit[]; order: number }[] = [];
  const skipped: Fix[] = [];
  fixes.forEach((fix, order) => {
    const edits: OffsetEdit[] = [];
    for (const e of fix.edits) {
      const o = toOffsets(text, lines, e);
      if (o === null) {
        skipped.push(fix);
        return;
      }
      if (!edits.some((x) => same(x, o))) edits.push(o);
    }
    edits.sort((a, b) => a.start - b.start || a.end - b.end);
    // A fix whose own edits collide is malformed: it cannot be applied in any order.
    const selfConflict = edits.some((a, i) => edits.some((b, j) => j > i && conflicts(a, b)));
    if (edits.length === 0 || selfConflict) skipped.push(fix);
    else candidates.push({ fix, edits, order });
  });
  candidates.sort((a, b) => (a.edits[0]?.start ?? 0) - (b.edits[0]?.start ?? 0) || a.order - b.order);

  const taken: OffsetEdit[] = [];
  const applied: Fix[] = [];
  for (const c of candidates) {
    const fresh = c.edits.filter((e) => !taken.some((t) => same(t, e)));
    if (fresh.some((e) => taken.some((t) => conflicts(t, e)))) {
      skipped.push(c.fix);
      continue;
    }
    taken.push(...fresh);
    applied.push(c.fix);
  }

  taken.sort((a, b) => b.start - a.start);
  let output = text;
  for (const e of taken) output = output.slice(0, e.start) + e.text + output.slice(e.end);
  return { output, applied, skipped };
}
