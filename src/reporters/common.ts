/** Helpers shared by the reporters. Everything here is pure and deterministic. */

import type { Finding } from "../types.js";

/** Plain code-unit comparison: unlike `localeCompare`, it gives the same order on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order of INTERFACE.md: path, line, column, code (then the rest, so the order is total). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.path, b.path) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.code, b.code) ||
    a.endLine - b.endLine ||
    a.endColumn - b.endColumn ||
    compareStrings(a.message, b.message)
  );
}

/** A sorted copy; the result passed in is never changed. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
