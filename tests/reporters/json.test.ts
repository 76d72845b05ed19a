import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatJson, jsonOutputSchema } from "../../src/reporters/json.js";
import type { CheckResult } from "../../src/types.js";
import { compileDraft07 } from "./ajv.js";
import { cleanResult, rules, sampleResult, TOOL_VERSION } from "./fixtures.js";

const validate = compileDraft07(jsonOutputSchema);
const options = { toolVersion: TOOL_VERSION };

/** INTERFACE.md's example, as a CheckResult. */
const interfaceExample: CheckResult = {
  root: "/abs/path/of/project/root",
  findings: [
    {
      code: "DBF401",
      name: "missing-await",
      severity: "error",
      path: "api/skills.py",
      line: 12,
      column: 14,
      endLine: 12,
      endColumn: 41,
      message: "AsyncSession.execute() is a coroutine and is not awaited",
      fix: null,
    },
  ],
  summary: { files: 10, findings: 1, errors: 1, warnings: 0, durationMs: 35 },
  notices: [],
};

describe("json reporter", () => {
  it("prints INTERFACE.md's example exactly, 2-space indented with a trailing newline", () => {
    const out = formatJson(interfaceExample, rules, options);
    assert.deepEqual(JSON.parse(out), {
      version: 1,
      tool: { name: "dbfence", version: "0.1.0" },
      root: "/abs/path/of/project/root",
      findings: [
        {
          code: "DBF401",
          name: "missing-await",
          severity: "error",
          path: "api/skills.py",
          line: 12,
          column: 14,
          endLine: 12,
          endColumn: 41,
          message: "AsyncSession.execute() is a coroutine and is not awaited",
          fix: null,
        },
      ],
      summary: {
        files: 10,
        findings: 1,
        errors: 1,
        warnings: 0,
        durationMs: 35,
      },
    });
    assert.ok(out.startsWith('{\n  "version": 1,\n  "tool": {\n    "name": "dbfence",'));
    assert.ok(out.endsWith("}\n") && !out.endsWith("\n\n"));
  });

  it("keeps the contract's key order", () => {
    const doc = JSON.parse(formatJson(sampleResult, rules, options));
    assert.deepEqual(Object.keys(doc), ["version", "tool", "root", "findings", "summary"]);
    assert.deepEqual(Object.keys(doc.findings[0]), [
      "code",
      "name",
      "severity",
      "path",
      "line",
      "column",
      "endLine",
      "endColumn",
      "message",
      "fix",
    ]);
    assert.deepEqual(Object.keys(doc.summary), ["files", "findings", "errors", "warnings", "durationMs"]);
  });

  it("sorts findings by path, line, column, code", () => {
    const doc = JSON.parse(formatJson(sampleResult, rules, options));
    assert.deepEqual(
      doc.findings.map((f: { path: string; line: number; code: string }) => `${f.path}:${f.line}:${f.code}`),
      [
        "api/skills.py:3:DBF104",
        "api/skills.py:6:DBF401",
        "api/users.py:2:DBF302",
        "api/ünï/labels.py:2:DBF203",
        "etl/load,v2:final%.py:3:DBF501",
      ],
    );
    const same = { ...sampleResult.findings[0], code: "DBF104" } as const;
    const tie = JSON.parse(formatJson({ ...sampleResult, findings: [sampleResult.findings[0], same] }, rules, options));
    assert.deepEqual(
      tie.findings.map((f: { code: string }) => f.code),
      ["DBF104", "DBF401"],
    );
  });

  it("writes a fix as description and edits, without the internal applicability", () => {
    const doc = JSON.parse(formatJson(sampleResult, rules, options));
    const fixed = doc.findings.find((f: { code: string }) => f.code === "DBF401");
    assert.deepEqual(fixed.fix, {
      description: "Add `await`",
      edits: [{ line: 6, column: 14, endLine: 6, endColumn: 14, text: "await " }],
    });
    assert.equal(doc.findings.filter((f: { fix: unknown }) => f.fix === null).length, 4);
  });

  it("keeps messages and paths verbatim (unicode, <script>, %, newline)", () => {
    const doc = JSON.parse(formatJson(sampleResult, rules, options));
    const messages = doc.findings.map((f: { message: string }) => f.message).join("\n");
    assert.match(messages, /GET \/users\/<script> is/);
    assert.match(messages, /100% raw SQL, no bind parameters\.\nWrap it/);
    assert.ok(doc.findings.some((f: { path: string }) => f.path === "api/ünï/labels.py"));
    assert.equal(doc.root, "/home/dev/shop api");
  });

  it("reports a whole number of milliseconds", () => {
    assert.equal(JSON.parse(formatJson(sampleResult, rules, options)).summary.durationMs, 35);
  });

  it("validates against jsonOutputSchema", () => {
    for (const result of [sampleResult, cleanResult, interfaceExample]) {
      const doc = JSON.parse(formatJson(result, rules, options));
      assert.ok(validate(doc), JSON.stringify(validate.errors));
    }
  });

  it("has a schema that rejects what the contract does not allow", () => {
    const good = JSON.parse(formatJson(sampleResult, rules, options));
    // [path, value]: set the value there, or delete the key when the value is undefined.
    const broken: [string[], unknown][] = [
      [["version"], 2],
      [["tool", "name"], "ruff"],
      [["findings", "0", "severity"], "info"],
      [["findings", "0", "column"], 0],
      [["findings", "0", "extra"], true],
      [["findings", "1", "fix", "applicability"], "safe"],
      [["findings", "0", "fix"], undefined],
      [["summary", "durationMs"], undefined],
      [["summary", "errors"], 1.5],
    ];
    for (const [path, value] of broken) {
      const doc = structuredClone(good);
      let target = doc as Record<string, unknown>;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      const last = path[path.length - 1] as string;
      if (value === undefined) delete target[last];
      else target[last] = value;
      assert.equal(validate(doc), false, path.join("."));
    }
  });
});
