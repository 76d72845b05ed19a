/**
 * The per-file analysis budget (docs/design.md "Bounded memory per file"). Parsing and summarising cost
 * memory per statement and per token (about 1.7 KB per `pass` line, about 400 bytes per token of realistic
 * code): one file of millions of simple statements would exhaust the heap and lose the whole run. A file
 * over the budget is not parsed: it gets a DBF900 naming the limit (an error, never baselined: a file no
 * rule checked must not pass silently — padding a file must not hide its violations), and the run goes on.
 *
 * The budget is about 25× the largest hand-written Python module we know of, and a generated 20 MB router
 * of realistic endpoints (546,000 lines, 5.7 M tokens) still fits.
 */
/** Lines per file. */
export const MAX_FILE_LINES = 1_000_000;
/** Tokens per file (words, numbers and punctuation characters, counted without parsing). */
export const MAX_FILE_TOKENS = 8_000_000;
/** Bytes per file, checked before decoding. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

const fmt = (n: number): string => n.toLocaleString("en-US");
const what =
  "no rule checked it; split the module, or exclude it in dbfence.toml if it is generated (docs/configuration.md)";

/** Why a file of this many bytes is over the budget, or null. */
export function bytesOverBudget(bytes: number): string | null {
  return bytes > MAX_FILE_BYTES
    ? `not analysed: the file is ${fmt(bytes)} bytes, over dbfence's per-file budget of ${fmt(MAX_FILE_BYTES)} bytes; ${what}`
    : null;
}

/** Why this text is over the budget (lines or tokens), or null. One pass, no allocation. */
export function textOverBudget(text: string): string | null {
  // Lines as an editor counts them: a final line break does not start another line.
  let lines = text.length > 0 && text.charCodeAt(text.length - 1) !== 10 ? 1 : 0;
  let tokens = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) lines++;
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
    if (word) {
      if (!inWord) tokens++;
      inWord = true;
      continue;
    }
    inWord = false;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) tokens++;
  }
  if (lines > MAX_FILE_LINES) {
    return `not analysed: the file has ${fmt(lines)} lines, over dbfence's per-file budget of ${fmt(MAX_FILE_LINES)} lines (analysing it would take gigabytes of memory); ${what}`;
  }
  if (tokens > MAX_FILE_TOKENS) {
    return `not analysed: the file has about ${fmt(tokens)} tokens, over dbfence's per-file budget of ${fmt(MAX_FILE_TOKENS)} tokens (analysing it would take gigabytes of memory); ${what}`;
  }
  return null;
}
