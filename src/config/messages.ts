/**
 * Turns zod issues into one-line messages that name the file, the key, the rule that was broken
 * and the value that broke it — the user fixes config by reading this line, not a stack of issues.
 */

import { TomlDate } from "smol-toml";
import type { z } from "zod";

export type KeyPath = readonly PropertyKey[];

/** `severity.DBF302`, `exceptions[1].expires`, `per-file-ignores."tests/**"`. */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const text = String(part);
      const key = /^[A-Za-z0-9_-]+$/.test(text) ? text : JSON.stringify(text);
      out += out === "" ? key : `.${key}`;
    }
  }
  return out;
}

/** How a value the user wrote is echoed back. */
export function describeValue(value: unknown): string {
  if (value instanceof TomlDate) return `${tomlDateKind(value)} ${value.toISOString()}`;
  if (value instanceof Date) return `date ${value.toISOString()}`;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "a table";
  return String(value);
}

function tomlDateKind(value: TomlDate): string {
  if (value.isDate()) return "the date";
  if (value.isTime()) return "the time";
  return "the date-time";
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** Fallback wording for issues whose schema has no message of its own. */
export const genericErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${article(issue.expected)}`;
    case "too_small":
      return "must not be empty";
    default:
      return undefined;
  }
};

function article(expected: string): string {
  const words: Record<string, string> = {
    string: "a string",
    array: "an array",
    object: "a table",
    record: "a table",
    boolean: "true or false",
    number: "a number",
  };
  return words[expected] ?? expected;
}

/** Issues whose message says what was expected, so quoting the value completes the sentence. */
const QUOTES_VALUE = new Set(["invalid_type", "invalid_format", "invalid_value"]);

/**
 * Message for one issue. `where` is the prefix naming the table (`[tool.dbfence] ` or empty);
 * `knownKeys` lists the keys allowed at a path, for "did you mean".
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  data: unknown,
  where: string,
  knownKeys: (path: KeyPath) => string[],
): { key: string; text: string } {
  if (issue.code === "unrecognized_keys") {
    const unknown = issue.keys[0];
    const key = formatKeyPath([...issue.path, unknown]);
    const guess = suggest(unknown, knownKeys(issue.path));
    const hint = guess === null ? "" : ` (did you mean '${formatKeyPath([...issue.path, guess])}'?)`;
    return { key, text: `${where}unknown key '${key}'${hint}` };
  }
  if (issue.code === "invalid_key") {
    // A bad table key (a glob or a rule code): the key itself is the offending value.
    const key = formatKeyPath(issue.path);
    const inner = issue.issues[0];
    const text = inner?.message ?? "invalid key";
    // A custom (glob) message already quotes the key; a format message needs it appended.
    const got = inner?.code === "custom" ? "" : `, got ${describeValue(issue.path.at(-1))}`;
    return { key, text: `${where}${key}: invalid key: ${text}${got}` };
  }
  const value = valueAt(data, issue.path);
  if (value === undefined && issue.code === "invalid_type" && issue.path.length > 0) {
    const parent = formatKeyPath(issue.path.slice(0, -1));
    const key = formatKeyPath(issue.path);
    return {
      key,
      text: `${where}${parent}: missing required key '${String(issue.path.at(-1))}'`,
    };
  }
  const key = formatKeyPath(issue.path);
  const got = QUOTES_VALUE.has(issue.code) ? `, got ${describeValue(value)}` : "";
  const subject = key === "" ? "" : `${key}: `;
  return { key, text: `${where}${subject}${issue.message}${got}` };
}

/** Closest known key, if it is plausibly a typo (also catches snake_case and camelCase spellings). */
export function suggest(unknown: string, known: string[]): string | null {
  const normal = unknown
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
  const exact = known.find((key) => key === normal);
  if (exact !== undefined) return exact;
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(unknown.length / 3)) + 1;
  for (const key of known) {
    const distance = editDistance(normal, key);
    if (distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance; keys are short, so the quadratic table is fine. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
