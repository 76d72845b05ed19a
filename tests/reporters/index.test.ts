import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { formatGithub } from "../../src/reporters/github.js";
import { formatResult, isOutputFormat, OUTPUT_FORMATS } from "../../src/reporters/index.js";
import { formatJson } from "../../src/reporters/json.js";
import { formatSarif } from "../../src/reporters/sarif.js";
import { formatText } from "../../src/reporters/text.js";
import { rules, sampleResult, sourceLine, TOOL_VERSION } from "./fixtures.js";
import { DOC_URL, renderOutputFormatsDoc } from "./output-formats-doc.js";

const options = { toolVersion: TOOL_VERSION, sourceLine };

describe("formatResult", () => {
  it("knows the four formats", () => {
    assert.deepEqual([...OUTPUT_FORMATS], ["text", "json", "sarif", "github"]);
    assert.ok(isOutputFormat("sarif"));
    assert.ok(!isOutputFormat("junit"));
  });

  it("hands each format to its reporter", () => {
    assert.equal(formatResult("text", sampleResult, rules, options), formatText(sampleResult, rules, options));
    assert.equal(formatResult("json", sampleResult, rules, options), formatJson(sampleResult, rules, options));
    assert.equal(formatResult("sarif", sampleResult, rules, options), formatSarif(sampleResult, rules, options));
    assert.equal(formatResult("github", sampleResult, rules, options), formatGithub(sampleResult, rules));
  });

  it("is pure: same input, same output, input untouched", () => {
    const before = structuredClone(sampleResult);
    for (const format of OUTPUT_FORMATS) {
      assert.equal(
        formatResult(format, sampleResult, rules, options),
        formatResult(format, sampleResult, rules, options),
      );
    }
    assert.deepEqual(sampleResult, before);
  });

  it("docs/output-formats.md shows the current output (regenerate: see output-formats-doc.ts)", () => {
    assert.equal(readFileSync(DOC_URL, "utf8"), renderOutputFormatsDoc());
  });
});
