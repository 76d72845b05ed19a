/**
 * Bytes of a Python file → text, following PEP 3120 (UTF-8 by default) and PEP 263 (coding lines).
 *
 * - A UTF-8 BOM is stripped. A BOM together with a coding line naming anything but utf-8 is an error,
 *   as in CPython ("encoding problem: latin-1 with BOM").
 * - The coding line is looked for on line 1, and on line 2 only when line 1 is blank or a comment.
 * - A NUL byte anywhere is an error: CPython refuses such files. It is checked first, on the raw
 *   bytes, so it is reported even when the file is also badly encoded.
 * - Line endings are NOT normalised: `\r\n` and lone `\r` stay in the text because the parser handles
 *   them itself and columns/offsets must match the file on disk. Line numbers in error messages count
 *   `\n`, `\r\n` and a lone `\r` as one line break each, like the parser.
 *
 * Speed: the common case (valid UTF-8) is one `indexOf(0)` (memchr) and one fatal `TextDecoder` call,
 * both native; the byte-by-byte scans below only run to locate an error.
 */
import { Buffer } from "node:buffer";
import { type Codec, lookupCodec } from "./codecs.js";

export type DecodeResult = { ok: true; text: string } | { ok: false; line: number; message: string };

const CODING_RE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
const BLANK_OR_COMMENT_RE = /^[ \t\f]*(?:#.*)?$/;
const LF = 0x0a;
const CR = 0x0d;

// Decoders are reusable: `decode()` without `stream` resets them.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function view(bytes: Uint8Array, start = 0, end = bytes.length): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
}

/** End of the line starting at `from` (index of its terminator, or the length) and the next start. */
function lineBounds(bytes: Uint8Array, from: number): { end: number; next: number } {
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === LF) return { end: i, next: i + 1 };
    if (b === CR) return { end: i, next: bytes[i + 1] === LF ? i + 2 : i + 1 };
  }
  return { end: bytes.length, next: bytes.length };
}

/** The coding declaration and its 1-based line, or null. `start` skips a BOM. */
export function findCodingDeclaration(bytes: Uint8Array, start: number): { name: string; line: number } | null {
  const first = lineBounds(bytes, start);
  // latin1 maps bytes 1:1, so a non-ASCII first line cannot break the ASCII-only regex.
  const line1 = view(bytes, start, first.end).toString("latin1");
  const m1 = CODING_RE.exec(line1);
  if (m1?.[1] !== undefined) return { name: m1[1], line: 1 };
  if (!BLANK_OR_COMMENT_RE.test(line1) || first.next >= bytes.length) return null;
  const second = lineBounds(bytes, first.next);
  const m2 = CODING_RE.exec(view(bytes, first.next, second.end).toString("latin1"));
  return m2?.[1] !== undefined ? { name: m2[1], line: 2 } : null;
}

/**
 * 1-based line and column of byte `pos`, counting from `from`. Columns count code points: for UTF-8
 * continuation bytes are skipped; for single-byte codecs (`utf8` false) every byte is one column.
 */
function position(bytes: Uint8Array, from: number, pos: number, utf8 = true): { line: number; column: number } {
  let line = 1;
  let lineStart = from;
  for (let i = from; i < pos; i++) {
    const b = bytes[i];
    if (b === LF || (b === CR && bytes[i + 1] !== LF)) {
      line++;
      lineStart = i + 1;
    }
  }
  if (!utf8) return { line, column: pos - lineStart + 1 };
  let column = 1;
  for (let i = lineStart; i < pos; i++) {
    if (((bytes[i] as number) & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

/** Index of the first byte that starts an invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  const n = bytes.length;
  let i = from;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f; // UTF-16 surrogates are not valid UTF-8
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i; // stray continuation byte, overlong lead (C0/C1) or F5..FF
    if (i + need >= n) return i; // truncated at end of file
    const second = bytes[i + 1] as number;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

function hex(b: number | undefined): string {
  return `0x${(b ?? 0).toString(16).padStart(2, "0")}`;
}

function fail(line: number, message: string): DecodeResult {
  return { ok: false, line, message };
}

function decodeUtf8(bytes: Uint8Array, start: number, declared: string | null): DecodeResult {
  try {
    return { ok: true, text: utf8Decoder.decode(bytes.subarray(start)) };
  } catch {
    const pos = firstInvalidUtf8(bytes, start);
    // The fatal decoder and the scanner implement the same definition; -1 would be a bug in one of
    // them, so fall back to reporting line 1 rather than claiming the file is fine.
    const at = pos < 0 ? start : pos;
    const { line, column } = position(bytes, start, at);
    const why =
      declared === null
        ? "file is not valid UTF-8 and declares no other encoding"
        : `file declares encoding '${declared}'`;
    return fail(line, `invalid utf-8 byte ${hex(bytes[at])} at line ${line}, column ${column} (${why})`);
  }
}

function decodeAscii(bytes: Uint8Array, start: number, declared: string): DecodeResult {
  for (let i = start; i < bytes.length; i++) {
    if ((bytes[i] as number) >= 0x80) {
      const { line, column } = position(bytes, start, i, false);
      return fail(
        line,
        `invalid ascii byte ${hex(bytes[i])} at line ${line}, column ${column} (file declares encoding '${declared}')`,
      );
    }
  }
  return { ok: true, text: view(bytes, start).toString("latin1") };
}

// cp1252 bytes 0x80..0x9F (Python's table: 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined → "").
const CP1252_HIGH = [
  "€",
  "",
  "‚",
  "ƒ",
  "„",
  "…",
  "†",
  "‡",
  "ˆ",
  "‰",
  "Š",
  "‹",
  "Œ",
  "",
  "Ž",
  "",
  "",
  "‘",
  "’",
  "“",
  "”",
  "•",
  "–",
  "—",
  "˜",
  "™",
  "š",
  "›",
  "œ",
  "",
  "ž",
  "Ÿ",
];

function decodeCp1252(bytes: Uint8Array, start: number, declared: string): DecodeResult {
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b >= 0x80 && b <= 0x9f && CP1252_HIGH[b - 0x80] === "") {
      const { line, column } = position(bytes, start, i, false);
      return fail(
        line,
        `invalid ${declared} byte ${hex(b)} at line ${line}, column ${column} (file declares encoding '${declared}')`,
      );
    }
  }
  const latin1 = view(bytes, start).toString("latin1");
  return {
    ok: true,
    text: latin1.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] as string),
  };
}

/**
 * A WHATWG decoder only says "invalid somewhere". Feed it line by line (streaming keeps multi-byte
 * state across lines) to find the line, then byte by byte within that line to find the column.
 */
function locateWhatwgError(
  bytes: Uint8Array,
  start: number,
  label: string,
): { line: number; column: number; byte: number } {
  let decoder = new TextDecoder(label, { fatal: true });
  let lineStart = start;
  let line = 1;
  let failedLine = -1;
  while (lineStart < bytes.length) {
    const { next } = lineBounds(bytes, lineStart);
    try {
      decoder.decode(bytes.subarray(lineStart, next), { stream: true });
    } catch {
      failedLine = line;
      break;
    }
    lineStart = next;
    line++;
  }
  if (failedLine < 0) {
    // Every line decoded, so the file ends inside a multi-byte sequence.
    const last = Math.max(start, bytes.length - 1);
    const { line: l, column } = position(bytes, start, last);
    return { line: l, column, byte: bytes[last] ?? 0 };
  }
  decoder = new TextDecoder(label, { fatal: true });
  decoder.decode(bytes.subarray(start, lineStart), { stream: true });
  let codePoints = 0;
  // First byte of the sequence being decoded: a bad trail byte is blamed on its lead byte, which is
  // where the broken character starts (and what the column points at).
  let sequenceStart = -1;
  const { next } = lineBounds(bytes, lineStart);
  for (let i = lineStart; i < next; i++) {
    let out: string;
    try {
      out = decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      const at = sequenceStart >= 0 ? sequenceStart : i;
      return { line: failedLine, column: codePoints + 1, byte: bytes[at] ?? 0 };
    }
    if (out === "") {
      if (sequenceStart < 0) sequenceStart = i;
    } else {
      codePoints += [...out].length;
      sequenceStart = -1;
    }
  }
  return {
    line: failedLine,
    column: codePoints + 1,
    byte: bytes[next - 1] ?? 0,
  };
}

function decodeWithCodec(bytes: Uint8Array, start: number, codec: Codec, declLine: number): DecodeResult {
  switch (codec.kind) {
    case "utf-8":
      return decodeUtf8(bytes, start, codec.name);
    case "latin-1":
      // Every byte is a character in latin-1; Buffer's "latin1" is the real ISO 8859-1.
      return { ok: true, text: view(bytes, start).toString("latin1") };
    case "ascii":
      return decodeAscii(bytes, start, codec.name);
    case "cp1252":
      return decodeCp1252(bytes, start, codec.name);
    case "unknown":
      return fail(declLine, `unknown encoding '${codec.name}'`);
    case "unsupported":
      return fail(declLine, `encoding '${codec.name}' ${codec.reason}`);
    case "whatwg": {
      let decoder: TextDecoder;
      try {
        decoder = new TextDecoder(codec.label, {
          fatal: true,
          ignoreBOM: true,
        });
      } catch {
        // Node built without full ICU lacks the CJK decoders.
        return fail(declLine, `encoding '${codec.name}' is not supported by this Node.js build`);
      }
      try {
        return { ok: true, text: decoder.decode(bytes.subarray(start)) };
      } catch {
        const { line, column, byte } = locateWhatwgError(bytes, start, codec.label);
        return fail(
          line,
          `invalid ${codec.name} byte ${hex(byte)} at line ${line}, column ${column} (file declares encoding '${codec.name}')`,
        );
      }
    }
  }
}

export function decodePythonSource(bytes: Uint8Array): DecodeResult {
  const nul = view(bytes).indexOf(0);
  if (nul >= 0) return fail(position(bytes, 0, nul).line, "source contains a NUL byte");

  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const start = hasBom ? 3 : 0;
  const decl = findCodingDeclaration(bytes, start);
  if (decl === null) return decodeUtf8(bytes, start, null);

  const codec = lookupCodec(decl.name);
  if (hasBom && codec.kind !== "utf-8") {
    return fail(decl.line, `encoding problem: ${decl.name} with BOM`);
  }
  return decodeWithCodec(bytes, start, codec, decl.line);
}
