/** The progress line's rules, with a stand-in terminal and clock (the CLI test covers --progress for real). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROGRESS_DELAY_MS, Progress } from "../../src/cli/progress.js";

function terminal(isTTY: boolean) {
  const out: string[] = [];
  return { isTTY, out, write: (t: string) => out.push(t) };
}

const text = { format: "text", quiet: false, progress: false };

test("on a terminal, nothing during the first second, then one line rewritten in place, cleared at the end", () => {
  const t = terminal(true);
  let now = 0;
  const p = new Progress(text, 2, t, {}, () => now);
  p.project(0, "backend");
  p.phase("parsed");
  assert.deepEqual(t.out, []);
  now = PROGRESS_DELAY_MS + 200;
  p.phase("checked");
  assert.deepEqual(t.out, ["\r\x1b[2Kdbfence: [1/2 backend] checked (1.2 s)"]);
  p.done();
  assert.equal(t.out.at(-1), "\r\x1b[2K");
});

test("never when stderr is not a terminal, in CI, for machine formats or with -q", () => {
  const cases: [ReturnType<typeof terminal>, typeof text, NodeJS.ProcessEnv][] = [
    [terminal(false), text, {}],
    [terminal(true), text, { CI: "true" }],
    [terminal(true), { ...text, format: "json" }, {}],
    [terminal(true), { ...text, format: "github" }, {}],
    [terminal(true), { ...text, quiet: true }, {}],
  ];
  for (const [t, flags, env] of cases) {
    const p = new Progress(flags, 1, t, env, () => 10 * PROGRESS_DELAY_MS);
    p.phase("parsed");
    p.done();
    assert.deepEqual(t.out, [], JSON.stringify({ flags, env, tty: t.isTTY }));
  }
});

test("--progress: every phase from the start, as lines when not a terminal, also in CI and for json", () => {
  const t = terminal(false);
  const p = new Progress({ format: "json", quiet: false, progress: true }, 1, t, { CI: "1" }, () => 0);
  p.project(0, ".");
  p.phase("parsed");
  assert.deepEqual(t.out, ["dbfence: discovering files (0.0 s)\n", "dbfence: parsed (0.0 s)\n"]);
});
