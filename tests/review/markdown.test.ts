/** Markdown escaping of messages in `dbfence review`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeMarkdown } from "../../src/review/review.js";

test("escapeMarkdown neutralises emphasis, code, links, HTML and tables, not identifiers", () => {
  assert.equal(escapeMarkdown("get_db_session"), "get_db_session");
  assert.equal(escapeMarkdown("_private and __dunder__"), "\\_private and \\_\\_dunder\\_\\_");
  assert.equal(
    escapeMarkdown("*x* `y` [z](u) <b> a|b ~s~ \\"),
    "\\*x\\* \\`y\\` \\[z\\](u) \\<b\\> a\\|b \\~s\\~ \\\\",
  );
  assert.equal(escapeMarkdown("two\nlines"), "two lines");
});
