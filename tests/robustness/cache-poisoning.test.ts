/**
 * A hostile checkout cannot use the cache to hide findings or hang a run (issue 17, docs/design.md "The
 * cache cannot hide findings"). A scratch git repository commits, in `.dbfence_cache/`, an edited cache
 * (every finding removed), then a FIFO, then a symlink to /dev/zero in place of the cache files, then a
 * symlinked `v1` folder: every `dbfence check` (a child process with a bounded timeout, its own cache
 * secret under a temporary XDG_CACHE_HOME) reports the real findings and returns.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, "..", "..", "src", "cli.js");
const FIXTURE = path.resolve(HERE, "..", "..", "..", "tests", "fixtures", "DBF301-factory-app-websocket-and-add-route");
/** Far above a normal run of this small project; a hang is killed and fails the test. */
const TIMEOUT_MS = 60_000;

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});
function tmpDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

const xdg = tmpDir("dbfence-xdg-");

interface Finding {
  code: string;
  path: string;
  line: number;
}
function check(root: string, extra: string[] = []): { findings: string[]; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "check", "--format", "json", ...extra, "."], {
    cwd: root,
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    killSignal: "SIGKILL",
    env: { ...process.env, XDG_CACHE_HOME: xdg, NO_COLOR: "1", DBFENCE_CACHE_SECRET: "" },
  });
  assert.equal(r.signal, null, `dbfence check was killed (${r.signal}): it hung; stderr: ${r.stderr}`);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings.map(
    (f) => `${f.path}:${f.line} ${f.code}`,
  );
  return { findings, status: r.status, stderr: r.stderr };
}

function git(root: string, ...args: string[]): void {
  const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
}

function cacheFiles(root: string): { json: string; summaries: string } {
  const v1 = path.join(root, ".dbfence_cache", "v1");
  const json = fs.readdirSync(v1).find((f) => f.endsWith(".json"));
  assert.ok(json, `a cache file in ${v1}`);
  return { json: path.join(v1, json), summaries: path.join(v1, json.replace(/\.json$/, ".summaries")) };
}

/**
 * Puts `make` at each cache file, commits it (force-added, as a pull request would; git cannot commit a
 * FIFO: that one is left in the working tree, as a build step could), checks.
 */
function poisoned(root: string, what: string, make: (file: string) => void, expected: string[], commit = true): void {
  const { json, summaries } = cacheFiles(root);
  for (const file of [json, summaries]) {
    fs.rmSync(file, { force: true });
    make(file);
  }
  if (commit) {
    git(root, "add", "-f", ".dbfence_cache");
    git(root, "commit", "-qm", what);
  }
  const got = check(root);
  assert.deepEqual(got.findings, expected, `${what}: the real findings`);
  assert.deepEqual(check(root, ["--no-cache"]).findings, expected, `${what}: same as without a cache`);
}

test("a committed, edited, FIFO or /dev/zero cache never hides findings nor hangs the run", () => {
  const root = tmpDir("dbfence-poison-");
  fs.cpSync(FIXTURE, root, { recursive: true });
  git(root, "init", "-q");
  git(root, "add", ".");
  git(root, "commit", "-qm", "project");
  const expected = check(root, ["--no-cache"]).findings;
  assert.ok(expected.length > 0, "the fixture has findings");
  assert.deepEqual(check(root).findings, expected, "cold run with the cache");
  const { json } = cacheFiles(root);
  const text = fs.readFileSync(json, "utf8");
  const body = JSON.parse(text.slice(text.indexOf("\n") + 1)) as {
    files: Record<string, unknown[]>;
    project: { findings: unknown[] } | null;
  };
  for (const f of Object.values(body.files)) {
    const stored = f[9] as [unknown[], unknown] | null;
    if (stored) stored[0] = [];
  }
  if (body.project) body.project.findings = [];
  const emptied = JSON.stringify(body);

  // An edited cache: unsigned, and with the signature of the original (the findings were removed).
  poisoned(root, "edited cache, no signature", (f) => fs.writeFileSync(f, emptied), expected);
  poisoned(
    root,
    "edited cache, old signature",
    (f) => fs.writeFileSync(f, `${text.slice(0, text.indexOf("\n"))}\n${emptied}`),
    expected,
  );
  if (process.platform !== "win32") {
    poisoned(
      root,
      "FIFO cache files",
      (f) => {
        const r = spawnSync("mkfifo", [f]);
        assert.equal(r.status, 0, "mkfifo");
      },
      expected,
      false,
    );
    poisoned(root, "cache files linked to /dev/zero", (f) => fs.symlinkSync("/dev/zero", f), expected);
  }
});

test("a committed symlinked cache folder is neither written through nor cleaned", () => {
  const root = tmpDir("dbfence-poison-link-");
  fs.cpSync(FIXTURE, root, { recursive: true });
  const victim = tmpDir("dbfence-victim-");
  const precious = path.join(victim, "0123456789abcdef0123456789abcdef01234567.json");
  fs.writeFileSync(precious, "someone's file\n");
  fs.mkdirSync(path.join(root, ".dbfence_cache"));
  fs.symlinkSync(victim, path.join(root, ".dbfence_cache", "v1"));
  git(root, "init", "-q");
  git(root, "add", "-f", ".");
  git(root, "commit", "-qm", "project with a symlinked cache folder");
  const expected = check(root, ["--no-cache"]).findings;
  const got = check(root);
  assert.deepEqual(got.findings, expected);
  assert.deepEqual(fs.readdirSync(victim), [path.basename(precious)], "nothing written to or removed from the target");
  assert.equal(fs.readFileSync(precious, "utf8"), "someone's file\n");
});
