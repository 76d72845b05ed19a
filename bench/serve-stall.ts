/**
 * How `dbfence serve` behaves while another process holds the SQLite write lock: N posts wait for the
 * lock (asynchronously, see src/history/sqlite.ts) while /healthz is polled every 50 ms. Prints the
 * event loop's delay (perf_hooks) and /healthz's latency during the lock, and how long the posts took.
 *
 * Run: npm run build && node dist/bench/serve-stall.js [--posts 20] [--lock-ms 3000] [--busy-ms 5000]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { SqliteStore } from "../src/history/sqlite.js";
import { buildServer } from "../src/serve/server.js";
import { snapshot } from "../tests/history/helpers.js";
import { lockSqlite, pollHealth, sleep, timedPost } from "../tests/serve/stall-helpers.js";

const { values } = parseArgs({
  options: {
    posts: { type: "string", default: "20" },
    "lock-ms": { type: "string", default: "3000" },
    "busy-ms": { type: "string", default: "5000" },
  },
});
const posts = Number(values.posts);
const lockMs = Number(values["lock-ms"]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-bench-stall-"));
const file = path.join(dir, "history.db");
const store = new SqliteStore(file, { busyTimeoutMs: Number(values["busy-ms"]) });
await store.migrate();
const app = await buildServer({ store, token: "bench", bodyLimit: 1 << 20 });
const base = await app.listen({ host: "127.0.0.1", port: 0 });
try {
  const lock = await lockSqlite(file);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const health = pollHealth(base, 50);
  const sending = Promise.all(
    Array.from({ length: posts }, (_, i) =>
      timedPost(base, "bench", snapshot({ time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() }), `b${i}`),
    ),
  );
  await sleep(lockMs);
  await lock.release();
  const samples = await health.stop();
  const replies = await sending;
  loop.disable();
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const statuses = new Map<string, number>();
  for (const r of replies) statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
  console.log(
    `lock held ${lockMs} ms by another process; ${posts} posts waiting (busy timeout ${values["busy-ms"]} ms)`,
  );
  console.log(
    `event loop delay: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
  );
  console.log(
    `/healthz (${ms.length} calls): median ${ms[Math.floor(ms.length / 2)]} ms, max ${ms.at(-1)} ms; statuses ${[...new Set(samples.map((s) => s.status))].join(",")}`,
  );
  console.log(
    `posts: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(", ")}; slowest ${Math.max(...replies.map((r) => r.ms))} ms`,
  );
} finally {
  await app.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
