/** Fingerprints and the baseline file format, as pure functions. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BaselineError,
  fingerprintFindings,
  makeBaseline,
  matchBaseline,
  normaliseSource,
  parseBaseline,
  serializeBaseline,
  spanText,
} from "../../src/engine/baseline.js";
import type { Finding } from "../../src/types.js";

function finding(
  code: string,
  line: number,
  column: number,
  endLine: number,
  endColumn: number,
  path = "a.py",
): Finding {
  return { code, name: "x", severity: "error", path, line, column, endLine, endColumn, message: code, fix: null };
}

describe("spanText", () => {
  test("one line, columns in code points, end exclusive", () => {
    assert.equal(spanText("x = '😀'; session.commit()\n", finding("C", 1, 10, 1, 26)), "session.commit()");
  });

  test("several lines, any line ending", () => {
    const text = "call(\r\n    a,\r    b)\nnext";
    assert.equal(spanText(text, finding("C", 1, 1, 3, 7)), "call(\n    a,\n    b)");
  });

  test("positions past the end give what exists", () => {
    assert.equal(spanText("ab", finding("C", 1, 2, 5, 9)), "b");
    assert.equal(spanText("ab", finding("C", 1, 1, 1, 1)), "");
  });
});

test("normaliseSource collapses whitespace runs, line breaks included", () => {
  assert.equal(normaliseSource("  call(\n      a,\tb )  "), "call( a, b )");
});

describe("fingerprintFindings", () => {
  const src = (text: string) => () => text;

  test("ignores where the finding is, not what it is", () => {
    const a = fingerprintFindings([finding("DBF401", 3, 5, 3, 21)], src("\n\n    session.commit()\n"));
    const b = fingerprintFindings([finding("DBF401", 1, 1, 1, 17)], src("session.commit()\n"));
    assert.deepEqual(a, b);
    const c = fingerprintFindings([finding("DBF401", 1, 1, 1, 16)], src("session.flush()\n"));
    assert.notDeepEqual(a, c);
    const d = fingerprintFindings([finding("DBF402", 1, 1, 1, 17)], src("session.commit()\n"));
    assert.notDeepEqual(b, d, "the code is part of it");
    const e = fingerprintFindings([finding("DBF401", 1, 1, 1, 17, "b.py")], src("session.commit()\n"));
    assert.notDeepEqual(b, e, "the path is part of it");
  });

  test("identical findings get occurrence indexes in source order, whatever the input order", () => {
    const text = "s.commit()\ns.commit()\n";
    const first = finding("DBF401", 1, 1, 1, 11);
    const second = finding("DBF401", 2, 1, 2, 11);
    const [p1, p2] = fingerprintFindings([first, second], src(text));
    const [q2, q1] = fingerprintFindings([second, first], src(text));
    assert.notEqual(p1, p2);
    assert.equal(p1, q1);
    assert.equal(p2, q2);
  });

  test("an unreadable file still gives a stable fingerprint", () => {
    const f = finding("DBF900", 1, 1, 1, 1);
    assert.deepEqual(
      fingerprintFindings([f], () => null),
      fingerprintFindings([f], () => null),
    );
  });
});

describe("baseline file", () => {
  const findings = [
    finding("DBF201", 5, 1, 5, 10, "z.py"),
    finding("DBF900", 1, 1, 1, 1),
    finding("DBF104", 2, 1, 2, 9),
  ];
  const prints = ["f1", "f2", "f3"];

  test("makeBaseline sorts entries, leaves DBF900 out, and serialises with a trailing newline", () => {
    const b = makeBaseline(findings, prints, "9.9.9");
    assert.deepEqual(
      b.entries.map((e) => `${e.path}:${e.line} ${e.code}`),
      ["a.py:2 DBF104", "z.py:5 DBF201"],
    );
    const text = serializeBaseline(b);
    assert.ok(text.endsWith("\n"));
    assert.deepEqual(parseBaseline(text, "b.json"), b);
  });

  test("matchBaseline splits findings and finds stale entries in scope only", () => {
    const b = makeBaseline(findings, prints, "1");
    b.entries.push({ fingerprint: "gone", code: "DBF104", path: "old.py", line: 3, message: "m" });
    b.entries.push({ fingerprint: "out", code: "DBF104", path: "elsewhere/x.py", line: 3, message: "m" });
    const m = matchBaseline(findings, prints, b, (e) => !e.path.startsWith("elsewhere/"));
    assert.deepEqual(
      m.kept.map((f) => f.code),
      ["DBF900"],
    );
    assert.equal(m.baselined.length, 2);
    assert.deepEqual(
      m.stale.map((e) => e.fingerprint),
      ["gone"],
    );
  });

  test("a baselined DBF900 fingerprint never hides a DBF900 finding", () => {
    const b = makeBaseline([], [], "1");
    b.entries.push({ fingerprint: "f2", code: "DBF900", path: "a.py", line: 1, message: "" });
    assert.equal(matchBaseline(findings, prints, b, () => true).kept.length, 3);
  });

  test("parseBaseline rejects what is not a baseline", () => {
    for (const [text, message] of [
      ["[]", /expected a JSON object/],
      ['{"version": 1}', /'entries' must be an array/],
      ['{"version": "1", "entries": []}', /'version' must be 1, got "1"/],
      [
        '{"version": 1, "entries": [{"fingerprint": "x", "code": "DBF1", "path": 3}]}',
        /entries\[0\]\.path must be a string/,
      ],
      ["{", /b\.json: not valid JSON/],
    ] as const) {
      assert.throws(
        () => parseBaseline(text, "b.json"),
        (e: unknown) => e instanceof BaselineError && message.test(e.message),
      );
    }
  });
});
