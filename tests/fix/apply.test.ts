/** applyFixes: source order, no overlaps (left for the next pass), shared identical edits, code-point columns. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyFixes } from "../../src/fix/apply.js";
import { applyParsing } from "../../src/fix/loop.js";
import type { Fix, TextEdit } from "../../src/types.js";

const edit = (line: number, column: number, endLine: number, endColumn: number, text: string): TextEdit => ({
  line,
  column,
  endLine,
  endColumn,
  text,
});
const fix = (description: string, ...edits: TextEdit[]): Fix => ({ description, applicability: "safe", edits });

describe("applyFixes", () => {
  test("applies edits from the end, so earlier positions stay valid", () => {
    const text = "a = f()\nb = g()\n";
    const r = applyFixes(text, [fix("one", edit(1, 5, 1, 5, "await ")), fix("two", edit(2, 5, 2, 5, "await "))]);
    assert.equal(r.output, "a = await f()\nb = await g()\n");
    assert.equal(r.applied.length, 2);
  });

  test("an overlapping fix is skipped, whatever order the fixes come in", () => {
    const text = "x = session.execute(q).all()\n";
    const wrap = fix("wrap", edit(1, 5, 1, 5, "(await "), edit(1, 23, 1, 23, ")"));
    const plain = fix("plain", edit(1, 5, 1, 5, "await "));
    for (const order of [
      [wrap, plain],
      [plain, wrap],
    ]) {
      const r = applyFixes(text, order);
      assert.equal(r.applied.length, 1);
      assert.equal(r.skipped.length, 1);
    }
  });

  test("replacements that only touch are both applied; an insertion at the edge of a replacement is not", () => {
    const text = "abcdef\n";
    const touching = applyFixes(text, [fix("ab", edit(1, 1, 1, 3, "X")), fix("cd", edit(1, 3, 1, 5, "Y"))]);
    assert.equal(touching.output, "XYef\n");
    const edge = applyFixes(text, [fix("ab", edit(1, 1, 1, 3, "X")), fix("insert", edit(1, 3, 1, 3, "+"))]);
    assert.equal(edge.applied.length, 1);
  });

  test("identical edits of two fixes are shared (one import for two findings)", () => {
    const text = "import a\nx: S\ny: S\n";
    const imp = edit(2, 1, 2, 1, "from m import T\n");
    const r = applyFixes(text, [fix("x", edit(2, 4, 2, 5, "T"), imp), fix("y", edit(3, 4, 3, 5, "T"), imp)]);
    assert.equal(r.output, "import a\nfrom m import T\nx: T\ny: T\n");
    assert.equal(r.applied.length, 2);
  });

  test("columns count code points: an emoji before the edit is one column", () => {
    const text = 'x = "🎉"; f()\n';
    assert.equal(applyFixes(text, [fix("await", edit(1, 10, 1, 10, "await "))]).output, 'x = "🎉"; await f()\n');
  });

  test("edits outside the text and fixes whose own edits collide are skipped", () => {
    const text = "a\n";
    const r = applyFixes(text, [
      fix("far", edit(5, 1, 5, 1, "x")),
      fix("past the line", edit(1, 9, 1, 9, "x")),
      fix("self", edit(1, 1, 1, 2, "x"), edit(1, 1, 1, 1, "y")),
    ]);
    assert.equal(r.output, text);
    assert.equal(r.skipped.length, 3);
  });

  test("an edit may run to the end of the file", () => {
    assert.equal(applyFixes("a = 1  # x", [fix("cut", edit(1, 6, 1, 11, ""))]).output, "a = 1");
  });
});

describe("applyParsing keeps only fixes whose result parses", () => {
  test("a fix that breaks the syntax is left out, the others go in", () => {
    const text = "a = f()\nb = g()\n";
    const good = fix("good", edit(1, 5, 1, 5, "await "));
    const bad = fix("bad", edit(2, 5, 2, 5, "("));
    const r = applyParsing(text, [good, bad]);
    assert.equal(r.output, "a = await f()\nb = g()\n");
    assert.deepEqual(r.applied, [good]);
    assert.deepEqual(r.broken, [bad]);
  });
});
