import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDbfence, parsePyproject } from "./helpers.js";

// --- exception lines ---------------------------------------------------------------------------

test("exception lines: [[exceptions]] headers, with spaces, comments and decoys", () => {
  const text = [
    "# [[exceptions]] in a comment is not a header", // 1
    'select = ["DBF1"]', // 2
    "", // 3
    "[[exceptions]]   # first", // 4
    'path = "a.py"', // 5
    'rules = ["DBF104"]', // 6
    'reason = "has a { brace and [[exceptions]]"', // 7
    "", // 8
    "  [[ exceptions ]]", // 9
    'path = "b.py"', // 10
    'rules = ["DBF105"]', // 11
    "reason = 'r' # [[exceptions]]", // 12
  ].join("\n");
  assert.deepEqual(
    parseDbfence(text).exceptions.map((e) => [e.path, e.line]),
    [
      ["a.py", 4],
      ["b.py", 9],
    ],
  );
});

test("exception lines: multi-line strings do not hide or fake headers", () => {
  const text = [
    "[[exceptions]]", // 1
    'path = "a.py"', // 2
    'rules = ["DBF104"]', // 3
    "reason = '''", // 4
    "[[exceptions]]", // 5 (text of the reason)
    "'''", // 6
    "[[exceptions]]", // 7
    'path = "b.py"', // 8
    'rules = ["DBF104"]', // 9
    'reason = """two \\""" quotes"""', // 10
    "[[exceptions]] # third", // 11
    'path = "c.py"', // 12
    'rules = ["DBF104"]', // 13
    'reason = "r"', // 14
  ].join("\n");
  const config = parseDbfence(text);
  assert.deepEqual(
    config.exceptions.map((e) => e.line),
    [1, 7, 11],
  );
  assert.equal(config.exceptions[0].reason, "[[exceptions]]\n");
});

test("exception lines: inline array entries point at their `{`", () => {
  const text = [
    'select = ["DBF"]', // 1
    "exceptions = [", // 2
    '  { path = "a.py", rules = ["DBF104"], reason = "x { y" },', // 3
    "  # a comment with {", // 4
    "", // 5
    '  { path = "b.py", rules = ["DBF105"], reason = "r", expires = 2026-01-01 },', // 6
    "]", // 7
  ].join("\n");
  assert.deepEqual(
    parseDbfence(text).exceptions.map((e) => [e.path, e.line, e.expires]),
    [
      ["a.py", 3, null],
      ["b.py", 6, "2026-01-01"],
    ],
  );
  const oneLine = parseDbfence('exceptions = [{ path = "a.py", rules = ["DBF104"], reason = "r" }]');
  assert.equal(oneLine.exceptions[0].line, 1);
});

test("exception lines: pyproject [[tool.dbfence.exceptions]] and inline forms", () => {
  const headers = [
    "[project]", // 1
    'name = "svc"', // 2
    "", // 3
    "[tool.dbfence]", // 4
    'select = ["DBF1"]', // 5
    "", // 6
    "[[exceptions]]", // 7: a different table (top-level `exceptions`), not ours
    "x = 1", // 8
    "", // 9
    '[[ tool.dbfence."exceptions" ]]  # quoted part', // 10
    'path = "a.py"', // 11
    'rules = ["DBF104"]', // 12
    'reason = "r"', // 13
    "[[tool.dbfence.exceptions]]", // 14
    'path = "b.py"', // 15
    'rules = ["DBF104"]', // 16
    'reason = "r"', // 17
  ].join("\n");
  assert.deepEqual(
    parsePyproject(headers).exceptions.map((e) => e.line),
    [10, 14],
  );
  const inline = [
    "[tool.dbfence]", // 1
    "exceptions = [", // 2
    '  { path = "a.py", rules = ["DBF104"], reason = "r" },', // 3
    '  { path = "b.py", rules = ["DBF104"], reason = "r" },', // 4
    "]", // 5
  ].join("\n");
  assert.deepEqual(
    parsePyproject(inline).exceptions.map((e) => e.line),
    [3, 4],
  );
  const dotted = [
    'tool.dbfence.select = ["DBF1"]', // 1
    "tool.dbfence.exceptions = [", // 2
    "", // 3
    '  { path = "a.py", rules = ["DBF104"], reason = "r" }', // 4
    "]", // 5
  ].join("\n");
  assert.deepEqual(
    parsePyproject(dotted).exceptions.map((e) => e.line),
    [4],
  );
});
