import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rebaseGitignoreLine } from "../../src/files/gitignore.js";
import { compileGlobs, normaliseGlob } from "../../src/files/globs.js";

describe("include/exclude globs", () => {
  test("normalisation", () => {
    assert.deepEqual(normaliseGlob("legacy"), {
      glob: "**/legacy",
      dirOnly: false,
    });
    assert.deepEqual(normaliseGlob("*.py"), {
      glob: "**/*.py",
      dirOnly: false,
    });
    assert.deepEqual(normaliseGlob("./legacy/"), {
      glob: "**/legacy",
      dirOnly: true,
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
    assert.equal(m.matches("x/gen", true), true);
    assert.equal(m.matches("gen", false), false); // dir-only pattern, a file named gen
    assert.equal(m.matches("app/models.py", false), false);
    assert.equal(m.matchesSelfOrAncestor("db/alembic/versions/1.py", false), true);
  });

  test("dot folders are matched, paths outside the root only literally", () => {
    const m = compileGlobs(["**/migrations/**"]);
    assert.equal(m.matches(".hidden/migrations/x.py", false), true);
    assert.equal(m.matches("../other/migrations/x.py", false), false);
    assert.equal(compileGlobs(["."]).matchesEverything, true);
    assert.equal(compileGlobs([]).matches("a.py", false), false);
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
