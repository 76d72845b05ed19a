/**
 * Building blocks for rules that offer a fix: text edits from UTF-16 offsets (what the AST holds) to
 * the 1-based line / code-point column positions of the interface contract, and small look-ups in
 * the source text through the file's LineMap.
 */
import type { LineMap } from "../parser/lines.js";
import type { TextEdit } from "../types.js";

/** Replaces the text between two offsets. */
export function replaceEdit(lines: LineMap, start: number, end: number, text: string): TextEdit {
  const s = lines.position(start);
  const e = lines.position(end);
  return { line: s.line, column: s.column, endLine: e.line, endColumn: e.column, text };
}

export function insertEdit(lines: LineMap, offset: number, text: string): TextEdit {
  return replaceEdit(lines, offset, offset, text);
}

export function deleteEdit(lines: LineMap, start: number, end: number): TextEdit {
  return replaceEdit(lines, start, end, "");
}

/** The source text between two offsets on one line (null when the range leaves the line). */
export function sliceLine(lines: LineMap, start: number, end: number): string | null {
  const line = lines.lineOf(start);
  const from = lines.lineStart(line);
  const text = lines.lineText(line);
  if (end < start || end - from > text.length) return null;
  return text.slice(start - from, end - from);
}

/** Offset of the end of a line's text (before its line break). */
export function lineEnd(lines: LineMap, line: number): number {
  return lines.lineStart(line) + lines.lineText(line).length;
}

/** Offset where the next line starts, or null for the last line. */
export function nextLineStart(lines: LineMap, line: number): number | null {
  return line < lines.lineCount ? lines.lineStart(line + 1) : null;
}

/** The file's line break, judged by its first line (`\n` unless that line ends in `\r\n`). */
export function lineBreak(lines: LineMap): string {
  if (lines.lineCount < 2) return "\n";
  return lines.lineStart(2) - lineEnd(lines, 1) === 2 ? "\r\n" : "\n";
}
