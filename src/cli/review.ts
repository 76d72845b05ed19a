/** `dbfence review`: the policy checklist as Markdown, for a pull-request comment. */

import path from "node:path";
import { parseArgs } from "node:util";
import { fileSources, fingerprintFindings } from "../engine/baseline.js";
import { GitError, repoLocation } from "../engine/git.js";
import { runCheck } from "../engine/run.js";
import { sanitizePath } from "../reporters/text.js";
import { buildReview, renderReview, reviewExitCode } from "../review/review.js";
import { analyzeTests } from "../review/tests.js";
import type { Finding } from "../types.js";
import { VERSION } from "../version.js";
import { activeCode, checkKnownOptions, splitKnown, staleNote } from "./baseline.js";
import { type Command, fail, loadProject } from "./common.js";

export const reviewCommand: Command = {
  name: "review",
  summary: "the policy checklist as Markdown for a pull-request comment (--diff REV: new findings only)",
  help: `Usage: dbfence review [PATHS...] [options]

Prints the policy's review checklist as Markdown: no SessionLocal, no Session(), no sync DB endpoints,
all awaited, tests on the async fixture, health endpoint present — each ✅ or ❌ with the findings
that decide it. With --diff, findings already present at REV are listed apart and do not fail the review.

Options:
  --diff REV                           compare with the git revision REV (the working tree against REV)
  --link-base URL                      link each path:line to URL/<path in the repository>#L<line>
                                       (e.g. https://github.com/OWNER/REPO/blob/SHA)
  --config FILE                        use this config file instead of discovering one
  --baseline FILE                      hide the findings recorded in FILE (default: .dbfence-baseline.json
                                       at the project root, when it exists)
  --no-baseline                        count every finding, also those in the baseline file

Exit codes: 0 no checklist item has new findings, 1 at least one has, 2 usage or configuration error.
`,
  run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        diff: { type: "string" },
        "link-base": { type: "string" },
        config: { type: "string" },
        baseline: { type: "string" },
        "no-baseline": { type: "boolean", default: false },
      },
    });
    const known = { baseline: values.baseline, noBaseline: values["no-baseline"], diff: values.diff };
    checkKnownOptions(known);
    const linkBase = values["link-base"];
    if (linkBase !== undefined && !/^https?:\/\/\S+$/.test(linkBase)) {
      fail(`--link-base must be an http(s) URL, got '${linkBase}'`);
    }
    const { loaded, paths } = loadProject(positionals, values.config);
    const result = runCheck({ loaded, paths });
    for (const n of result.notices) process.stderr.write(`dbfence: warning: ${sanitizePath(n)}\n`);

    const tests = analyzeTests(loaded);
    let baseTestPrints = new Set<string>();
    const split = splitKnown(result, { loaded, paths }, known, (baseRoot) => {
      const base = analyzeTests({ ...loaded, root: baseRoot });
      baseTestPrints = new Set(fingerprintFindings(base.problems, fileSources(baseRoot)));
    });
    const testPrints = fingerprintFindings(tests.problems, fileSources(loaded.root));
    const testsFresh: Finding[] = [];
    const testsPre: Finding[] = [];
    tests.problems.forEach((p, i) => {
      (split.diff && baseTestPrints.has(testPrints[i] as string) ? testsPre : testsFresh).push(p);
    });

    const review = buildReview({
      fresh: split.fresh,
      preexisting: split.preexisting,
      baselined: split.baselined,
      tests: { report: tests, fresh: testsFresh, preexisting: testsPre },
      active: activeCode({ loaded, paths }),
      diff: split.diff,
      baselineFile: split.baselineFile,
      staleEntries: split.stale.length,
      toolVersion: VERSION,
      link: linkBase === undefined ? null : linker(linkBase, split.diff?.prefix ?? repoPrefix(loaded.root)),
    });
    process.stdout.write(renderReview(review));
    process.stderr.write(staleNote(split));
    return reviewExitCode(review);
  },
};

/** The project root's folder inside its repository ("" when it is the top, or not in git). */
function repoPrefix(root: string): string {
  try {
    return repoLocation(root).prefix;
  } catch (e) {
    if (e instanceof GitError) return "";
    throw e;
  }
}

function linker(base: string, prefix: string): (rel: string, line: number) => string {
  const head = base.replace(/\/+$/, "");
  return (rel, line) => {
    const repoPath = path.posix.join(prefix, rel);
    return `${head}/${repoPath.split("/").map(encodeURIComponent).join("/")}#L${line}`;
  };
}
