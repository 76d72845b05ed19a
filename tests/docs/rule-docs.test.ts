/**
 * The rule docs can never rot (Biome's rules_check): docs/rules/ is exactly what the metadata
 * generates, every `bad` example yields its own rule's findings and nothing else, every `good`
 * example yields nothing, and the metadata matches the catalog in ../shared/spec/RULES.md.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { REGENERATE_DOCS_COMMAND, ruleDocFiles } from "../../src/cli/explain.js";
import { loadConfig } from "../../src/config/load.js";
import { runCheck } from "../../src/engine/run.js";
import { fixProject } from "../../src/fix/loop.js";
import { ruleMetas } from "../../src/rules/index.js";
import type { Finding, RuleMeta } from "../../src/types.js";
import { docsDrift, RULE_DOCS_DIR } from "./gen.js";
import { miniProject } from "./project.js";

const RULES_MD = fileURLToPath(new URL("../../../../shared/spec/RULES.md", import.meta.url));
const metas = [...ruleMetas().values()];

/** How a finding reads in an assertion message. */
const show = (f: Finding): string => `${f.path}:${f.line}:${f.column}: ${f.code} ${f.message}`;

/**
 * Projects in which an example is run. DBF903's finding is about the configuration, not the code:
 * its bad example runs under an exception that expired long ago, and the finding is in dbfence.toml.
 */
const BAD_CONFIG: Record<string, string> = {
  DBF903: [
    "[[exceptions]]",
    'path = "example.py"',
    'rules = ["DBF104"]',
    'reason = "legacy import kept until the retry policy moves into the connector"',
    'approved-by = "db-team"',
    "expires = 2000-01-01",
    "",
  ].join("\n"),
};
/** Where a rule's bad example is reported (example.py unless the finding is about the config). */
const REPORTED_IN: Record<string, string> = { DBF903: "dbfence.toml" };

function check(example: string, config = ""): Finding[] {
  const root = miniProject({ "example.py": example, "dbfence.toml": config });
  const loaded = loadConfig({ startPath: root });
  assert.equal(loaded.root, root, "the mini-project's dbfence.toml must be its config");
  const result = runCheck({ loaded, paths: [root] });
  assert.deepEqual(result.notices, [], "no notices are expected while checking an example");
  return result.findings;
}

describe("docs/rules/ is generated from the rule metadata", () => {
  test("no missing, extra or changed files", () => {
    const drift = docsDrift(RULE_DOCS_DIR);
    const problems = [
      ...drift.missing.map((f) => `missing ${f}`),
      ...drift.extra.map((f) => `extra ${f}`),
      ...drift.changed.map((f) => `out of date ${f}`),
    ];
    assert.deepEqual(
      problems,
      [],
      `docs/rules/ differs from the rule metadata; regenerate with: ${REGENERATE_DOCS_COMMAND}`,
    );
  });

  test("one page per rule plus the README index linking each page", () => {
    const files = ruleDocFiles();
    assert.deepEqual([...files.keys()].sort(), [...metas.map((r) => `${r.code}.md`), "README.md"].sort());
    const index = files.get("README.md") as string;
    for (const r of metas) {
      assert.ok(
        index.includes(`| [${r.code}](${r.code}.md) | ${r.name} | ${r.severity} |`),
        `README.md row for ${r.code}`,
      );
    }
    for (const r of metas) {
      const page = files.get(`${r.code}.md`) as string;
      for (const heading of ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]) {
        assert.ok(page.includes(`\n${heading}\n`), `${r.code}.md has '${heading}'`);
      }
    }
  });
});

describe("every bad example is reported by its own rule, and only by it", () => {
  for (const r of metas) {
    test(`${r.code} ${r.name}`, () => {
      const findings = check(r.docs.example.bad, BAD_CONFIG[r.code] ?? "");
      const where = REPORTED_IN[r.code] ?? "example.py";
      const own = findings.filter((f) => f.code === r.code && f.path === where);
      const others = findings.filter((f) => !(f.code === r.code && f.path === where));
      assert.ok(
        own.length > 0,
        `${r.code}'s bad example must be reported as ${r.code} in ${where}; got:\n${findings.map(show).join("\n") || "(no findings)"}`,
      );
      assert.deepEqual(others.map(show), [], `${r.code}'s bad example must yield no other finding`);
    });
  }
});

describe("every good example is clean", () => {
  for (const r of metas) {
    test(`${r.code} ${r.name}`, () => {
      assert.deepEqual(check(r.docs.example.good).map(show), [], `${r.code}'s good example must yield no finding`);
    });
  }
});

/**
 * What `--fix --unsafe-fixes` makes of a bad example: the whole fix loop runs, so a fix that leaves a
 * suppression unused is followed by DBF901's. The rule's own fix must be among those applied.
 */
function fixExample(r: RuleMeta): { text: string; codes: string[] } {
  const root = miniProject({ "example.py": r.docs.example.bad, "dbfence.toml": "" });
  const loaded = loadConfig({ startPath: root });
  const outcome = fixProject(loaded, [root], { unsafe: true });
  assert.deepEqual(outcome.problems, [], `${r.code}: fixing the bad example reported problems`);
  const file = outcome.changedFiles.find((f) => f.rel === "example.py");
  return { text: file?.after ?? r.docs.example.bad, codes: outcome.applied.map((a) => a.code) };
}

describe("every fixed example is what the fix makes of the bad example", () => {
  for (const r of metas.filter((m) => m.fix || m.docs.example.fixed !== undefined)) {
    test(`${r.code} ${r.name}`, () => {
      assert.ok(r.fix, `${r.code} has a fixed example but declares no fix`);
      assert.ok(r.docs.example.fixed !== undefined, `${r.code} declares a fix but has no fixed example`);
      assert.ok(r.docs.fixSafety?.trim(), `${r.code} declares a fix but explains no fix safety`);
      const { text, codes } = fixExample(r);
      assert.ok(codes.includes(r.code), `${r.code}'s own fix was not applied (applied: ${codes.join(", ") || "none"})`);
      assert.equal(text, r.docs.example.fixed, `${r.code}: the fix of the bad example differs from the fixed example`);
      assert.deepEqual(
        check(text)
          .filter((f) => f.code === r.code)
          .map(show),
        [],
        `${r.code}: the fixed example is clean`,
      );
    });
  }
});

/** The `| DBF101 | connector-internal-import |` rows of the catalog's tables. */
function catalog(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of fs.readFileSync(RULES_MD, "utf8").matchAll(/^\|\s*(DBF\d{3})\s*\|\s*([^|\s]+)\s*\|/gm)) {
    rows.set(m[1] as string, m[2] as string);
  }
  return rows;
}

/** "Default severity `error` for all but DBF302 and DBF603 (`warning`)". */
function catalogWarnings(): Set<string> {
  const text = fs.readFileSync(RULES_MD, "utf8");
  const m = /Default severity `?error`? for all but (.*?)\(`?warning`?\)/s.exec(text);
  assert.ok(m, "RULES.md states the default severities");
  return new Set((m[1] as string).match(/DBF\d{3}/g) ?? []);
}

describe("rule metadata matches the catalog", () => {
  test("codes and names are unique; names are kebab-case", () => {
    const codes = metas.map((r) => r.code);
    const names = metas.map((r) => r.name);
    assert.equal(new Set(codes).size, codes.length, "duplicate codes");
    assert.equal(new Set(names).size, names.length, "duplicate names");
    for (const r of metas) {
      assert.match(r.code, /^DBF\d{3}$/, `${r.code}: code shape`);
      assert.match(r.name, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${r.code}: name '${r.name}' is not kebab-case`);
    }
  });

  test("every rule is in RULES.md with the same name", (t) => {
    const rows = catalog();
    assert.ok(rows.size > 0, "RULES.md has rule rows");
    for (const r of metas) {
      assert.ok(rows.has(r.code), `${r.code} ${r.name} is not in RULES.md`);
      assert.equal(r.name, rows.get(r.code), `${r.code}: name differs from RULES.md`);
    }
    const pending = [...rows.keys()].filter((c) => !metas.some((r) => r.code === c));
    t.diagnostic(`catalog codes not implemented yet: ${pending.length > 0 ? pending.join(", ") : "none"}`);
  });

  test("default severities match RULES.md (warning only where it says so)", () => {
    const warnings = catalogWarnings();
    assert.ok(warnings.size > 0);
    for (const r of metas) {
      assert.equal(r.severity, warnings.has(r.code) ? "warning" : "error", `${r.code}: default severity`);
    }
  });

  test("summary, what, why and both examples are non-empty", () => {
    const blank = (s: string | undefined): boolean => s === undefined || s.trim() === "";
    for (const r of metas as RuleMeta[]) {
      for (const [field, value] of Object.entries({
        summary: r.summary,
        what: r.docs.what,
        why: r.docs.why,
        bad: r.docs.example.bad,
        good: r.docs.example.good,
      })) {
        assert.ok(!blank(value), `${r.code}: ${field} is empty`);
      }
      assert.ok(!r.summary.includes("\n"), `${r.code}: summary is one line`);
    }
  });
});
