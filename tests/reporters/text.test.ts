import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { caretLine, formatText, sanitizeForTerminal, summaryLine } from "../../src/reporters/text.js";
import type { CheckResult, Finding } from "../../src/types.js";
import { cleanResult, rules, sampleResult, sourceLine, statisticsResult } from "./fixtures.js";

/** The escape character, kept out of regular expressions. */
const ESC = String.fromCharCode(27);

const EXPECTED = `api/skills.py:3:1: DBF104 Driver 'psycopg2' is imported outside the connector; use get_db_session from core.database
  |
3 | import psycopg2
  | ^^^^^^^^^^^^^^^

api/skills.py:6:14: DBF401 AsyncSession.execute() is a coroutine and is not awaited; add 'await'
  |
6 |     result = session.execute(select(Skill))
  |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: Add \`await\`

api/users.py:2:1: DBF302 Route handler 'list_users' for GET /users/<script> is a sync 'def'; make it 'async def'
  |
2 | def list_users():
  | ^^^^^^^^^^^^^^^^^

api/ünï/labels.py:2:25: DBF203 Legacy AsyncSession.query() call; use select() with session.execute()
  |
2 | \tname = "🎉 日本語"; rows = session.query(Label).all()
  | \t                           ^^^^^^^^^^^^^^^^^^^^

etl/load,v2:final%.py:3:11: DBF501 A str is passed to execute(): 100% raw SQL, no bind parameters.
  Wrap it in text(), e.g. text('... :a, :b')
  |
3 |     await session.execute(
  |           ^^^^^^^^^^^^^^^^

Found 4 errors and 1 warning in 7 files.
`;

function at(line: number, column: number, endLine: number, endColumn: number): Finding {
  return {
    code: "DBF401",
    name: "missing-await",
    severity: "error",
    path: "a.py",
    line,
    column,
    endLine,
    endColumn,
    message: "m",
    fix: null,
  };
}

function withFindings(findings: Finding[]): CheckResult {
  const errors = findings.filter((f) => f.severity === "error").length;
  return {
    root: "/p",
    findings,
    summary: {
      files: 3,
      findings: findings.length,
      errors,
      warnings: findings.length - errors,
      durationMs: 1,
    },
    notices: [],
  };
}

describe("text reporter", () => {
  it("lists findings sorted, with source line, carets, help and summary", () => {
    assert.equal(formatText(sampleResult, rules, { sourceLine }), EXPECTED);
  });

  it("does not reorder the caller's findings", () => {
    const before = sampleResult.findings.map((f) => f.code);
    formatText(sampleResult, rules, { sourceLine });
    assert.deepEqual(
      sampleResult.findings.map((f) => f.code),
      before,
    );
  });

  it("puts the caret under the right character after tabs, emoji and CJK", () => {
    const source = '\tname = "🎉 日本語"; rows = session.query(Label).all()';
    // Column 25 is the 25th code point, `s` of `session`: 23 narrow and 4 wide (two cells)
    // characters after the tab come before it.
    assert.equal(Array.from(source)[24], "s");
    assert.equal(caretLine(source, at(2, 25, 2, 45)), `\t${" ".repeat(23 + 4)}${"^".repeat(20)}`);
  });

  it("gives wide characters two carets and combining marks none", () => {
    assert.equal(caretLine("x = '🎉🎉'", at(1, 6, 1, 8)), `${" ".repeat(5)}^^^^`);
    assert.equal(caretLine("日本 = x", at(1, 6, 1, 7)), `${" ".repeat(7)}^`);
    assert.equal(caretLine("ｆｕｌｌ(x)", at(1, 6, 1, 7)), `${" ".repeat(9)}^`);
    assert.equal(caretLine("e\u0301 = x", at(1, 1, 1, 3)), "^");
    assert.equal(caretLine("e\u0301 = x", at(1, 6, 1, 7)), "    ^");
    assert.equal(caretLine("⚠\ufe0f x", at(1, 4, 1, 5)), "   ^");
    assert.equal(caretLine("⚠ x", at(1, 3, 1, 4)), "  ^");
  });

  it("keeps every tab of the prefix as a tab", () => {
    assert.equal(caretLine("\t\tx\ty = 1", at(1, 5, 1, 6)), "\t\t \t^");
  });

  it("underlines a multi-line span to the end of its first line", () => {
    assert.equal(caretLine("call(", at(1, 1, 4, 2)), "^^^^^");
    assert.equal(caretLine("    await session.execute(", at(1, 11, 3, 6)), `${" ".repeat(10)}${"^".repeat(16)}`);
  });

  it("prints at least one caret, also past the end of the line", () => {
    assert.equal(caretLine("abc", at(1, 2, 1, 2)), " ^");
    assert.equal(caretLine("abc", at(1, 6, 1, 3)), "     ^");
    assert.equal(caretLine("", at(1, 1, 1, 1)), "^");
  });

  it("prints only the finding line when the source is not available", () => {
    const out = formatText(withFindings([at(9, 1, 9, 2)]), rules, {
      sourceLine: () => undefined,
    });
    assert.equal(out, "a.py:9:1: DBF401 m\n\nFound 1 error and 0 warnings in 3 files.\n");
    assert.equal(formatText(withFindings([at(9, 1, 9, 2)]), rules), out);
  });

  it("says all checks passed when there is nothing to report", () => {
    assert.equal(formatText(cleanResult, rules, { sourceLine }), "All checks passed! (7 files)\n");
    assert.equal(
      summaryLine({
        ...cleanResult,
        summary: { ...cleanResult.summary, files: 1 },
      }),
      "All checks passed! (1 file)",
    );
  });

  it("has no escape codes unless colour is asked for", () => {
    for (const options of [{}, { color: false }, { color: false, statistics: true }]) {
      const out = formatText(sampleResult, rules, { sourceLine, ...options });
      assert.ok(!out.includes(ESC));
    }
  });

  it("colours path, codes by severity and carets when asked, with the same text underneath", () => {
    const coloured = formatText(sampleResult, rules, {
      sourceLine,
      color: true,
    });
    assert.ok(coloured.includes(`${ESC}[1mapi/skills.py${ESC}[22m:3:1:`));
    assert.ok(coloured.includes(`${ESC}[31mDBF104${ESC}[39m`));
    assert.ok(coloured.includes(`${ESC}[33mDBF302${ESC}[39m`));
    assert.ok(coloured.includes(`${ESC}[33m^^^^^^^^^^^^^^^^^${ESC}[39m`));
    assert.equal(coloured.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), ""), EXPECTED);
  });

  it("shows control characters of source and message as symbols, never raw", () => {
    assert.equal(sanitizeForTerminal("a\x1b[2Jb\x7f\tc"), "a\u241b[2Jb\u2421\tc");
    const finding = { ...at(1, 4, 1, 5), message: "bad \x1b]0;title\x07" };
    const out = formatText(withFindings([finding]), rules, {
      sourceLine: () => "x\x1b[31m = 1\r",
    });
    const controls = Array.from(out).filter((c) => {
      const code = c.codePointAt(0) ?? 0;
      return (code < 0x20 && c !== "\n") || code === 0x7f;
    });
    assert.deepEqual(controls, []);
    assert.match(out, /1 \| x\u241b\[31m = 1\n {2}\| {4}\^\n/);
  });

  describe("statistics", () => {
    it("prints count, code and name, by count then code, instead of the listing", () => {
      const out = formatText(statisticsResult, rules, {
        statistics: true,
        sourceLine,
      });
      assert.equal(
        out,
        [
          "9  DBF501      raw-sql-string",
          "2  DBF104      raw-driver-import",
          "2  DBF401  [*] missing-await",
          "1  DBF203      legacy-query-api",
          "1  DBF302      sync-endpoint",
          "",
          "Found 14 errors and 1 warning in 7 files.",
          "",
        ].join("\n"),
      );
    });

    it("prints just the summary when there is nothing to count", () => {
      assert.equal(formatText(cleanResult, rules, { statistics: true }), "All checks passed! (7 files)\n");
    });
  });
});
