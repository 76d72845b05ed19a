/** `dbfence probe` against real HTTP servers on loopback: healthy, slow, failing, refused, hanging. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { percentile, probe } from "../../src/probe/probe.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli.js");

/** A server whose behaviour per path is: `/ok`, `/slow` (120 ms), `/down` (503), `/hang` (never answers). */
let server: http.Server;
let base = "";
const hanging: http.ServerResponse[] = [];
before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/ok") res.end('{"database":"ok"}');
    else if (req.url === "/slow") setTimeout(() => res.end("{}"), 120);
    else if (req.url === "/down") {
      res.statusCode = 503;
      res.end('{"detail":"database unavailable"}');
    } else if (req.url === "/hang") hanging.push(res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("probe()", () => {
  test("a fast 200 endpoint is healthy, with latencies measured", async () => {
    const r = await probe({ url: `${base}/ok`, count: 5, timeoutMs: 2000, thresholdMs: 1000 });
    assert.equal(r.ok, 5);
    assert.equal(r.healthy, true);
    assert.ok(r.p50Ms !== null && r.p95Ms !== null && r.maxMs !== null && r.p50Ms <= r.p95Ms && r.p95Ms <= r.maxMs);
  });

  test("a slow endpoint breaks a tight threshold", async () => {
    const r = await probe({ url: `${base}/slow`, count: 3, timeoutMs: 2000, thresholdMs: 50 });
    assert.equal(r.ok, 3);
    assert.ok((r.p95Ms ?? 0) >= 100, `p95 ${r.p95Ms}`);
    assert.equal(r.healthy, false);
  });

  test("503 answers are failures, not crashes", async () => {
    const r = await probe({ url: `${base}/down`, count: 2, timeoutMs: 2000, thresholdMs: 1000 });
    assert.deepEqual(
      r.attempts.map((a) => a.status),
      [503, 503],
    );
    assert.equal(r.healthy, false);
  });

  test("a hanging endpoint times out per request", async () => {
    const r = await probe({ url: `${base}/hang`, count: 2, timeoutMs: 150, thresholdMs: 1000 });
    assert.deepEqual(
      r.attempts.map((a) => a.error),
      ["timeout after 150 ms", "timeout after 150 ms"],
    );
    assert.equal(r.p95Ms, null);
    assert.equal(r.healthy, false);
  });

  test("a closed port is 'connection refused'", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await probe({ url: `http://127.0.0.1:${port}/health/db`, count: 1, timeoutMs: 2000, thresholdMs: 1000 });
    assert.equal(r.attempts[0]?.error, "connection refused");
  });

  test("percentiles use the nearest rank", () => {
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
    assert.equal(percentile([5, 1, 3, 2, 4], 95), 5);
    assert.equal(percentile([], 95), null);
  });
});

describe("dbfence probe (CLI)", () => {
  test("healthy: exit 0, text report", async () => {
    const r = await cli(["probe", `${base}/ok`, "--count", "3"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3\/3 answered 2xx/);
    assert.match(r.stdout, /^healthy$/m);
  });

  test("not healthy: exit 1, json report", async () => {
    const r = await cli(["probe", `${base}/down`, "--count", "2", "--format", "json"]);
    assert.equal(r.status, 1, r.stderr);
    const json = JSON.parse(r.stdout) as { healthy: boolean; failed: number; probeVersion: number };
    assert.equal(json.healthy, false);
    assert.equal(json.failed, 2);
    assert.equal(json.probeVersion, 1);
  });

  test("usage errors exit 2", async () => {
    for (const args of [
      ["probe"],
      ["probe", "not a url"],
      ["probe", "ftp://x/"],
      ["probe", `${base}/ok`, "--count", "0"],
    ]) {
      const r = await cli(args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^dbfence: /);
    }
  });
});
