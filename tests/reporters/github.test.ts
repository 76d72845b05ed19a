import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeData, escapeProperty, formatGithub } from "../../src/reporters/github.js";
import { cleanResult, rules, sampleResult } from "./fixtures.js";

describe("github reporter", () => {
  it("prints one workflow command per finding, sorted", () => {
    assert.equal(
      formatGithub(sampleResult, rules),
      [
        "::error file=api/skills.py,line=3,col=1,endLine=3,endColumn=16,title=DBF104 raw-driver-import::Driver 'psycopg2' is imported outside the connector; use get_db_session from core.database",
        "::error file=api/skills.py,line=6,col=14,endLine=6,endColumn=44,title=DBF401 missing-await::AsyncSession.execute() is a coroutine and is not awaited; add 'await'",
        "::warning file=api/users.py,line=2,col=1,endLine=3,endColumn=14,title=DBF302 sync-endpoint::Route handler 'list_users' for GET /users/<script> is a sync 'def'; make it 'async def'",
        "::error file=api/ünï/labels.py,line=2,col=25,endLine=2,endColumn=45,title=DBF203 legacy-query-api::Legacy AsyncSession.query() call; use select() with session.execute()",
        "::error file=etl/load%2Cv2%3Afinal%25.py,line=3,col=11,endLine=5,endColumn=6,title=DBF501 raw-sql-string::A str is passed to execute(): 100%25 raw SQL, no bind parameters.%0AWrap it in text(), e.g. text('... :a, :b')",
        "",
      ].join("\n"),
    );
  });

  it("escapes data: %, CR and LF, with % first", () => {
    assert.equal(escapeData("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
    assert.equal(escapeData("%0A"), "%250A");
  });

  it("escapes properties: also : and ,", () => {
    assert.equal(escapeProperty("a:b,c%d\ne\r"), "a%3Ab%2Cc%25d%0Ae%0D");
  });

  it("keeps every command on one line", () => {
    const lines = formatGithub(sampleResult, rules).split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, sampleResult.findings.length);
    for (const line of lines)
      assert.match(line, /^::(error|warning) file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[^,:]+::/);
  });

  it("prints nothing when there is nothing to report", () => {
    assert.equal(formatGithub(cleanResult, rules), "");
  });
});
