/**
 * Where each `exceptions` entry starts in the raw TOML text. smol-toml returns values without
 * positions, and DBF903 must point at the entry that expired, so this is a small position-keeping
 * scanner: it skips strings and comments and follows table headers and dotted keys just enough to
 * know which table a `[[...]]` header or `key = [...]` belongs to.
 */

type Token =
  | { kind: "punct"; text: string; line: number; offset: number }
  | { kind: "key"; text: string; quoted: boolean; line: number; offset: number }
  | { kind: "newline"; line: number; offset: number };

const PUNCT = new Set(["[", "]", "{", "}", "=", ",", "."]);
const WORD_END = /[\s[\]{}=,.#"']/;

/** Splits TOML into the tokens that matter for structure; string contents never leak out as structure. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\n") {
      tokens.push({ kind: "newline", line, offset: i });
      line++;
      i++;
    } else if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === '"' || ch === "'") {
      const end = stringEnd(text, i);
      const value = unquote(text.slice(i, end));
      tokens.push({ kind: "key", text: value, quoted: true, line, offset: i });
      line += countNewlines(text, i, end);
      i = end;
    } else if (PUNCT.has(ch)) {
      tokens.push({ kind: "punct", text: ch, line, offset: i });
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else {
      const start = i;
      while (i < text.length && !WORD_END.test(text[i])) i++;
      tokens.push({
        kind: "key",
        text: text.slice(start, i),
        quoted: false,
        line,
        offset: start,
      });
    }
  }
  return tokens;
}

/** Index just past the string starting at `start` (basic, literal, or their multi-line forms). */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  const escapes = quote === '"';
  const triple = text.startsWith(quote.repeat(3), start);
  const delimiter = triple ? quote.repeat(3) : quote;
  let i = start + delimiter.length;
  while (i < text.length) {
    if (escapes && text[i] === "\\") {
      i += 2;
    } else if (text.startsWith(delimiter, i)) {
      i += delimiter.length;
      // A multi-line string may end with up to two extra quotes that belong to its content.
      if (triple) for (let extra = 0; extra < 2 && text[i] === quote; extra++) i++;
      return i;
    } else if (!triple && text[i] === "\n") {
      return i; // unterminated; the TOML parser reports it, the scanner just stops the string here
    } else {
      i++;
    }
  }
  return i;
}

function unquote(raw: string): string {
  return raw.length >= 2 ? raw.slice(1, -1) : raw;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text[i] === "\n") count++;
  return count;
}

/** What the scanner found for one array: header lines, inline-entry lines, and the key's own line. */
interface ArrayPositions {
  headers: number[];
  inlineEntries: number[];
  keyLine: number | null;
}

class Scanner {
  private pos = 0;
  private table: string[] = [];
  readonly found: ArrayPositions = {
    headers: [],
    inlineEntries: [],
    keyLine: null,
  };

  constructor(
    private readonly tokens: Token[],
    private readonly target: string[],
  ) {}

  run(): ArrayPositions {
    while (this.pos < this.tokens.length) {
      const token = this.tokens[this.pos];
      if (token.kind === "newline") this.pos++;
      else if (token.kind === "punct" && token.text === "[") this.header();
      else this.keyValue();
    }
    return this.found;
  }

  private header(): void {
    const open = this.tokens[this.pos];
    const next = this.tokens[this.pos + 1];
    const isArray = next?.kind === "punct" && next.text === "[" && next.offset === open.offset + 1;
    this.pos += isArray ? 2 : 1;
    this.table = this.dottedKey();
    if (isArray && samePath(this.table, this.target)) this.found.headers.push(open.line);
    this.skipLine();
  }

  private keyValue(): void {
    const first = this.tokens[this.pos];
    const key = [...this.table, ...this.dottedKey()];
    if (!this.accept("=")) {
      this.skipLine(); // not a key/value line; the TOML parser has already accepted the document
      return;
    }
    const isTarget = samePath(key, this.target);
    if (isTarget) this.found.keyLine = first.line;
    this.value(isTarget);
  }

  /** Reads `a.b."c"` and stops before `=` or `]`. */
  private dottedKey(): string[] {
    const parts: string[] = [];
    while (this.pos < this.tokens.length) {
      const token = this.tokens[this.pos];
      if (token.kind === "key") parts.push(token.text);
      else if (!(token.kind === "punct" && token.text === ".")) break;
      this.pos++;
    }
    return parts;
  }

  /** Skips one value; for the target array, records the line of each `{` directly inside it. */
  private value(isTarget: boolean): void {
    let depth = 0;
    while (this.pos < this.tokens.length) {
      const token = this.tokens[this.pos];
      if (token.kind === "newline" && depth === 0) return;
      if (token.kind === "punct" && (token.text === "[" || token.text === "{")) {
        if (isTarget && token.text === "{" && depth === 1) this.found.inlineEntries.push(token.line);
        depth++;
      } else if (token.kind === "punct" && (token.text === "]" || token.text === "}")) {
        depth--;
      }
      this.pos++;
    }
  }

  private accept(text: string): boolean {
    const token = this.tokens[this.pos];
    if (token?.kind === "punct" && token.text === text) {
      this.pos++;
      return true;
    }
    return false;
  }

  private skipLine(): void {
    while (this.pos < this.tokens.length && this.tokens[this.pos].kind !== "newline") this.pos++;
  }
}

function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/**
 * 1-based line where each of the `count` entries of the array at `arrayPath` starts: its
 * `[[...]]` header, else its `{` in an inline array, else the line of the array's key.
 */
export function exceptionLines(text: string, arrayPath: string[], count: number): number[] {
  const found = new Scanner(tokenize(text), arrayPath).run();
  const fallback = found.keyLine ?? 1;
  const lines = found.headers.length > 0 ? found.headers : found.inlineEntries;
  return Array.from({ length: count }, (_, k) => lines[k] ?? fallback);
}

/**
 * The first TOML date literal that names no real day (`2025-02-30`), or null. smol-toml lets the
 * JavaScript Date roll such a date over to March, which would move an exception's expiry silently.
 */
export function firstImpossibleDate(text: string): { text: string; line: number } | null {
  for (const token of tokenize(text)) {
    if (token.kind !== "key" || token.quoted) continue;
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(token.text);
    if (match === null) continue;
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    const real = date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    if (!real) return { text: match[0], line: token.line };
  }
  return null;
}
