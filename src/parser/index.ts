/**
 * The one door to the Python parser (pyright's, pinned in package.json). Everything else sees only
 * dbfence's AST, the comments and a LineMap.
 */
import { createRequire } from "node:module";
import type * as Diagnostics from "@zzzen/pyright-internal/dist/common/diagnosticSink.js";
import type * as Versions from "@zzzen/pyright-internal/dist/common/pythonVersion.js";
import type * as ParserModule from "@zzzen/pyright-internal/dist/parser/parser.js";
import type { Parser } from "@zzzen/pyright-internal/dist/parser/parser.js";
import type { TokenizerOutput } from "@zzzen/pyright-internal/dist/parser/tokenizer.js";
import type * as A from "./ast.js";
import { convertModule } from "./convert.js";
import { LineMap } from "./lines.js";

export type * from "./ast.js";
export type { LineMap } from "./lines.js";
export * from "./walk.js";

export type ParseResult =
  | { ok: true; module: A.Module; comments: A.Comment[]; lines: LineMap }
  | { ok: false; line: number; column: number; message: string; lines: LineMap };

const DiagnosticError = 0;
/**
 * pyright reports these as errors, but CPython accepts the code: `return`/`break`/`continue` in a
 * `finally` block is only a SyntaxWarning (PEP 765, Python 3.14), so the file is not a DBF900.
 */
const NOT_SYNTAX_ERRORS = /cannot be used to exit a "finally" block/;

/**
 * pyright's parser, loaded on first use (it is CommonJS, so `require` loads it synchronously): a run whose
 * files all come from the cache never pays for loading it.
 */
let pyright: {
  Parser: typeof ParserModule.Parser;
  ParseOptions: typeof ParserModule.ParseOptions;
  DiagnosticSink: typeof Diagnostics.DiagnosticSink;
  version: typeof Versions.pythonVersion3_14;
} | null = null;

function loadPyright(): NonNullable<typeof pyright> {
  if (pyright) return pyright;
  const require = createRequire(import.meta.url);
  const parser = require("@zzzen/pyright-internal/dist/parser/parser.js") as typeof ParserModule;
  const diagnostics = require("@zzzen/pyright-internal/dist/common/diagnosticSink.js") as typeof Diagnostics;
  const versions = require("@zzzen/pyright-internal/dist/common/pythonVersion.js") as typeof Versions;
  pyright = {
    Parser: parser.Parser,
    ParseOptions: parser.ParseOptions,
    DiagnosticSink: diagnostics.DiagnosticSink,
    version: versions.pythonVersion3_14,
  };
  return pyright;
}

/** Parses with the Python 3.14 grammar. Never throws: a failure is a result. */
export function parsePython(text: string): ParseResult {
  const { Parser, ParseOptions, DiagnosticSink, version } = loadPyright();
  const lines = new LineMap(text);
  const options = new ParseOptions();
  options.pythonVersion = version;
  options.reportInvalidStringEscapeSequence = false;
  const sink = new DiagnosticSink();
  let parsed: ReturnType<Parser["parseSourceFile"]>;
  try {
    parsed = new Parser().parseSourceFile(text, options, sink);
  } catch (e) {
    // pyright's recursive descent overflows on absurd nesting (thousands of parentheses or indents).
    // CPython rejects those too ("too many nested parentheses", "too many levels of indentation").
    if (e instanceof RangeError) {
      const line = deepestLine(text);
      return { ok: false, line, column: 1, message: "nesting is too deep to parse", lines };
    }
    throw e;
  }
  const firstError = sink
    .fetchAndClear()
    .find((d) => d.category === DiagnosticError && !NOT_SYNTAX_ERRORS.test(d.message));
  if (firstError) {
    const line = firstError.range.start.line + 1;
    const column = lines.codePointColumn(line, firstError.range.start.character);
    return { ok: false, line, column, message: firstError.message, lines };
  }
  let module: A.Module;
  try {
    module = convertModule(parsed.parserOutput.parseTree);
  } catch (e) {
    if (e instanceof RangeError) {
      return { ok: false, line: deepestLine(text), column: 1, message: "nesting is too deep to analyse", lines };
    }
    throw e;
  }
  return { ok: true, module, comments: collectComments(parsed.tokenizerOutput, text, lines), lines };
}

function collectComments(tokens: TokenizerOutput, text: string, lines: LineMap): A.Comment[] {
  const out: A.Comment[] = [];
  const collection = tokens.tokens;
  for (let i = 0; i < collection.count; i++) {
    const tok = collection.getItemAt(i);
    if (!tok.comments) continue;
    for (const c of tok.comments) {
      // pyright's comment range excludes the leading '#'.
      const start = c.start - 1;
      const line = lines.lineOf(start);
      const before = text.slice(lines.lineStart(line), start);
      out.push({ start, text: `#${c.value}`, line, trailing: before.trim().length > 0 });
    }
  }
  return out;
}

/** The line where bracket or indentation nesting is deepest: where a too-deep parse most likely failed. */
function deepestLine(text: string): number {
  let depth = 0;
  let best = 0;
  let bestLine = 1;
  let line = 1;
  let indentLine = 1;
  let maxIndent = 0;
  let col = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) {
      line++;
      atLineStart = true;
      col = 0;
      continue;
    }
    if (atLineStart) {
      if (ch === 32 || ch === 9) {
        col++;
        continue;
      }
      atLineStart = false;
      if (col > maxIndent) {
        maxIndent = col;
        indentLine = line;
      }
    }
    if (ch === 40 || ch === 91 || ch === 123) {
      depth++;
      if (depth > best) {
        best = depth;
        bestLine = line;
      }
    } else if (ch === 41 || ch === 93 || ch === 125) {
      depth--;
    }
  }
  return best > 1 ? bestLine : maxIndent > 0 ? indentLine : 1;
}
