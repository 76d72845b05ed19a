import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultConfig } from "../../src/config/load.js";
import { applyFilters } from "../../src/engine/filters.js";
import { rebaseGitignoreLine } from "../../src/files/gitignore.js";
import { compileGlobs, normaliseGlob } from "../../src/files/globs.js";

describe("include/exclude globs", () => {
  test("normalisation", () => {
    assert.deepEqual(normaliseGlob("legacy"), {
      glob: "legacy",
      dirOnly: false,
    });
    assert.deepEqual(normaliseGlob("*.py"), {
      glob: "**/*.py",
      dirOnly: false,
    });
    assert.deepEqual(normaliseGlob("./legacy/"), {
      glob: "legacy",
      dirOnly: true,
    });
    assert.deepEqual(normaliseGlob("test_*.py"), {
      glob: "**/test_*.py",
      dirOnly: false,
    });
    assert.deepEqual(normaliseGlob("/legacy"), {
      glob: "legacy",
      dirOnly: false,
    });
    assert.deepEqual(normaliseGlob("app/**"), {
      glob: "app/**",
      dirOnly: false,
    });
    assert.equal(normaliseGlob("."), null);
    assert.equal(normaliseGlob("./"), null);
  });

  test("folders match by their path or their path plus a slash", () => {
    const m = compileGlobs(["**/alembic/**", "legacy/**", "gen/"]);
    assert.equal(m.matches("alembic", true), true);
    assert.equal(m.matches("db/alembic", true), true);
    assert.equal(m.matches("legacy", true), true);
    assert.equal(m.matches("app/legacy", true), false);
    assert.equal(m.matches("gen", true), true);
    assert.equal(m.matches("x/gen", true), false);
    assert.equal(m.matches("gen", false), false); // dir-only pattern, a file named gen
    assert.equal(m.matches("app/models.py", false), false);
    assert.equal(m.matchesSelfOrAncestor("db/alembic/versions/1.py", false), true);
  });

  test("a path without glob characters is a folder prefix from the project root, never a folder deeper down", () => {
    const m = compileGlobs(["tests", "app/legacy", "conftest.py"]);
    assert.equal(m.matchesSelfOrAncestor("tests/test_api.py", false), true);
    assert.equal(m.matchesSelfOrAncestor("tests/unit/test_api.py", false), true);
    assert.equal(m.matchesSelfOrAncestor("src/x/tests/test_api.py", false), false);
    assert.equal(m.matches("src/x/tests", true), false);
    assert.equal(m.matchesSelfOrAncestor("app/legacy/old.py", false), true);
    assert.equal(m.matchesSelfOrAncestor("lib/app/legacy/old.py", false), false);
    assert.equal(m.matches("conftest.py", false), true);
    assert.equal(m.matches("tests/conftest.py", false), false);
    // Globs keep matching at any depth when they have no slash.
    const g = compileGlobs(["test_*.py", "*_test.py"]);
    assert.equal(g.matches("src/x/tests/test_api.py", false), true);
    assert.equal(g.matches("api_test.py", false), true);
  });

  test("dot folders are matched, paths outside the root only literally", () => {
    const m = compileGlobs(["**/migrations/**"]);
    assert.equal(m.matches(".hidden/migrations/x.py", false), true);
    assert.equal(m.matches("../other/migrations/x.py", false), false);
    assert.equal(compileGlobs(["."]).matchesEverything, true);
    assert.equal(compileGlobs([]).matches("a.py", false), false);
  });
});

describe("per-file-ignores and exception paths", () => {
  const finding = (path: string) => ({
    code: "DBF104",
    name: "raw-driver-import",
    severity: "error" as const,
    path,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 2,
    message: "m",
    fix: null,
  });
  const kept = (key: string, paths: string[]): string[] => {
    const config = { ...defaultConfig(), perFileIgnores: { [key]: ["DBF1"] } };
    return applyFilters(paths.map(finding), { config, configFile: null, today: "2026-01-01", files: new Map() }).map(
      (f) => f.path,
    );
  };

  test("a key without glob characters is a folder from the project root, covering the files below it", () => {
    assert.deepEqual(kept("tests", ["tests/test_a.py", "tests/unit/test_b.py", "src/x/tests/test_c.py", "a.py"]), [
      "src/x/tests/test_c.py",
      "a.py",
    ]);
    assert.deepEqual(kept("legacy/", ["legacy/old.py", "app/legacy/old.py"]), ["app/legacy/old.py"]);
    assert.deepEqual(kept("**/tests/**", ["tests/test_a.py", "src/x/tests/test_c.py", "a.py"]), ["a.py"]);
  });

  test("an exception path that names a folder covers the files below it", () => {
    const config = {
      ...defaultConfig(),
      exceptions: [{ path: "scripts", rules: ["DBF104"], reason: "r", approvedBy: null, expires: null, line: 1 }],
    };
    const out = applyFilters([finding("scripts/etl.py"), finding("app/scripts/x.py")], {
      config,
      configFile: null,
      today: "2026-01-01",
      files: new Map(),
    });
    assert.deepEqual(
      out.map((f) => f.path),
      ["app/scripts/x.py"],
    );
  });
});

describe("rebasing .gitignore lines", () => {
  test("floating, anchored, negated, dir-only, comments and escapes", () => {
    assert.equal(rebaseGitignoreLine("*.log", "sub"), "sub/**/*.log");
    assert.equal(rebaseGitignoreLine("/top.py", "sub"), "sub/top.py");
    assert.equal(rebaseGitignoreLine("a/b", "sub/x"), "sub/x/a/b");
    assert.equal(rebaseGitignoreLine("!keep.py", "sub"), "!sub/**/keep.py");
    assert.equal(rebaseGitignoreLine("build/", "sub"), "sub/**/build/");
    assert.equal(rebaseGitignoreLine("**/cache/", "sub"), "sub/**/cache/");
    assert.equal(rebaseGitignoreLine("out/   ", "sub"), "sub/**/out/");
    assert.equal(rebaseGitignoreLine("\\#hash.py", "sub"), "sub/**/#hash.py");
    assert.equal(rebaseGitignoreLine("# comment", "sub"), null);
    assert.equal(rebaseGitignoreLine("   ", "sub"), null);
    assert.equal(rebaseGitignoreLine("x.py\r", "sub"), "sub/**/x.py");
    assert.equal(rebaseGitignoreLine("/x.py", ""), "/x.py");
  });
});
