import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  formatSarif,
  pascalCase,
  relativePathToUri,
  rootToFileUri,
  ruleHelp,
  SARIF_FINGERPRINT_KEY,
} from "../../src/reporters/sarif.js";
import type { CheckResult, Finding } from "../../src/types.js";
import { DOCS_BASE_URL } from "../../src/types.js";
import { compileDraft04, SARIF_SCHEMA_PATH } from "./ajv.js";
import { cleanResult, rules, sampleResult, TOOL_VERSION } from "./fixtures.js";

const sarifSchema = JSON.parse(readFileSync(SARIF_SCHEMA_PATH, "utf8"));
const validate = compileDraft04(sarifSchema);
const options = { toolVersion: TOOL_VERSION };

interface Region {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}
interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: Region;
    };
  }[];
  partialFingerprints: Record<string, string>;
  fixes?: {
    description: { text: string };
    artifactChanges: {
      artifactLocation: { uri: string };
      replacements: {
        deletedRegion: Region;
        insertedContent: { text: string };
      }[];
    }[];
  }[];
}
interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: string };
}

function sarif(result: CheckResult = sampleResult) {
  const log = JSON.parse(formatSarif(result, rules, options));
  const run = log.runs[0];
  return {
    log,
    run,
    results: run.results as SarifResult[],
    driverRules: run.tool.driver.rules as SarifRule[],
  };
}

describe("sarif reporter", () => {
  it("is valid against the official SARIF 2.1.0 schema", () => {
    for (const result of [sampleResult, cleanResult]) {
      const { log } = sarif(result);
      assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    }
  });

  it("really checks: the schema refuses a broken log", () => {
    const { log } = sarif();
    log.runs[0].results[0].level = "fatal";
    log.runs[0].results[0].locations[0].physicalLocation.region.startColumn = 0;
    assert.equal(validate(log), false);
  });

  it("has the log header, one run, code-point columns and the source root", () => {
    const { log, run } = sarif();
    assert.equal(log.$schema, "https://json.schemastore.org/sarif-2.1.0.json");
    assert.equal(log.version, "2.1.0");
    assert.equal(log.runs.length, 1);
    assert.equal(run.columnKind, "unicodeCodePoints");
    assert.deepEqual(run.invocations, [{ executionSuccessful: true }]);
    assert.deepEqual(run.originalUriBaseIds, {
      "%SRCROOT%": { uri: "file:///home/dev/shop%20api/" },
    });
    assert.deepEqual(
      { ...run.tool.driver, rules: undefined },
      {
        name: "dbfence",
        version: "0.1.0",
        informationUri: "https://github.com/dbfence/dbfence",
        rules: undefined,
      },
    );
  });

  it("describes every rule of the catalog, in code order", () => {
    const { driverRules } = sarif(cleanResult);
    assert.deepEqual(
      driverRules.map((r) => r.id),
      ["DBF104", "DBF203", "DBF302", "DBF401", "DBF501"],
    );
    const missingAwait = driverRules[3] as SarifRule;
    const meta = rules.get("DBF401");
    assert.ok(meta);
    assert.equal(missingAwait.name, "MissingAwait");
    assert.equal(missingAwait.shortDescription.text, meta.summary);
    assert.equal(missingAwait.fullDescription.text, meta.docs.what);
    assert.equal(missingAwait.helpUri, `${DOCS_BASE_URL}/DBF401.md`);
    assert.equal(missingAwait.defaultConfiguration.level, "error");
    assert.equal(driverRules[2]?.defaultConfiguration.level, "warning");
    assert.deepEqual(missingAwait.help, ruleHelp(meta));
  });

  it("builds rule help from the docs with Ruff's headings", () => {
    const meta = rules.get("DBF401");
    assert.ok(meta);
    const help = ruleHelp({
      ...meta,
      docs: { ...meta.docs, fixSafety: "Always safe." },
    });
    assert.match(help.markdown, /^## What it does\n.+\n\n## Why is this bad\?\n.+\n\n## Example\n```python\n/);
    assert.match(help.markdown, /\n## Use instead\n```python\nasync def list_skills/);
    assert.match(help.markdown, /\n## Fix safety\nAlways safe\.\n$/);
    assert.match(help.text, /^What it does:\n.+\n\nWhy is this bad\?\n/);
    assert.match(help.text, /\nExample:\n {4}async def list_skills\(session: AsyncSession\):\n {8}session/);
    const backticks = ruleHelp({
      ...meta,
      docs: { ...meta.docs, example: { bad: "x = '```'", good: "y" } },
    });
    assert.match(backticks.markdown, /````python\nx = '```'\n````/);
  });

  it("maps each finding to a result with rule, level, message and region", () => {
    const { results, driverRules } = sarif();
    assert.deepEqual(
      results.map((r) => [r.ruleId, r.level]),
      [
        ["DBF104", "error"],
        ["DBF401", "error"],
        ["DBF302", "warning"],
        ["DBF203", "error"],
        ["DBF501", "error"],
      ],
    );
    for (const r of results) assert.equal(driverRules[r.ruleIndex ?? -1]?.id, r.ruleId);
    const query = results[3] as SarifResult;
    assert.equal(query.message.text, "Legacy AsyncSession.query() call; use select() with session.execute()");
    assert.deepEqual(query.locations[0]?.physicalLocation, {
      artifactLocation: {
        uri: "api/%C3%BCn%C3%AF/labels.py",
        uriBaseId: "%SRCROOT%",
      },
      region: { startLine: 2, startColumn: 25, endLine: 2, endColumn: 45 },
    });
    assert.equal(results[4]?.locations[0]?.physicalLocation.artifactLocation.uri, "etl/load%2Cv2%3Afinal%25.py");
    assert.match(results[2]?.message.text ?? "", /<script>/);
    assert.match(results[4]?.message.text ?? "", /100% raw SQL, no bind parameters\.\nWrap/);
  });

  it("writes a fix as an artifact change", () => {
    const fixed = sarif().results.filter((r) => r.fixes);
    assert.equal(fixed.length, 1);
    assert.deepEqual(fixed[0]?.fixes, [
      {
        description: { text: "Add `await`" },
        artifactChanges: [
          {
            artifactLocation: { uri: "api/skills.py", uriBaseId: "%SRCROOT%" },
            replacements: [
              {
                deletedRegion: {
                  startLine: 6,
                  startColumn: 14,
                  endLine: 6,
                  endColumn: 14,
                },
                insertedContent: { text: "await " },
              },
            ],
          },
        ],
      },
    ]);
  });

  it("fingerprints by code, path and message: stable when lines move, distinct for repeats", () => {
    const first = sampleResult.findings[0] as Finding;
    const moved = {
      ...first,
      line: first.line + 10,
      endLine: first.endLine + 10,
    };
    const print = (findings: Finding[]) =>
      sarif({ ...sampleResult, findings }).results.map((r) => r.partialFingerprints[SARIF_FINGERPRINT_KEY]);
    const [original] = print([first]);
    assert.match(original ?? "", /^[0-9a-f]{64}:1$/);
    assert.deepEqual(print([moved]), [original]);
    const twice = print([first, moved]);
    assert.equal(twice[0], original);
    assert.equal(twice[1], original?.replace(/:1$/, ":2"));
    assert.notEqual(print([{ ...first, message: "other" }])[0], original);
    assert.notEqual(print([{ ...first, path: "api/other.py" }])[0], original);
  });

  it("leaves out ruleIndex for a code that is not in the catalog", () => {
    const unknown: Finding = {
      ...(sampleResult.findings[0] as Finding),
      code: "DBF900",
      name: "syntax-error",
      fix: null,
    };
    const { log, results } = sarif({ ...sampleResult, findings: [unknown] });
    assert.equal(results[0]?.ruleId, "DBF900");
    assert.equal("ruleIndex" in (results[0] ?? {}), false);
    assert.ok(validate(log), JSON.stringify(validate.errors));
  });

  it("names rules and URIs the way SARIF wants", () => {
    assert.equal(pascalCase("missing-await"), "MissingAwait");
    assert.equal(pascalCase("sql-injection-risk"), "SqlInjectionRisk");
    assert.equal(relativePathToUri("a b/c#d?.py"), "a%20b/c%23d%3F.py");
    assert.equal(rootToFileUri("/srv/app"), "file:///srv/app/");
    assert.equal(rootToFileUri("/"), "file:///");
  });
});
