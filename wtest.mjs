import { Worker, isMainThread, workerData, parentPort } from "node:worker_threads";
if (isMainThread) {
  const yg = Number(process.argv[2]);
  const t = performance.now();
  const w = new Worker(new URL(import.meta.url), { workerData: {}, resourceLimits: yg ? { maxYoungGenerationSizeMb: yg } : undefined });
  w.on("message", (m) => { console.log(yg, m, ((performance.now() - t)/1000).toFixed(2), "s", (process.resourceUsage().maxRSS/1024).toFixed(0), "MB"); });
} else {
  const { loadConfig } = await import("./dist/src/config/load.js");
  const { runCheck } = await import("./dist/src/engine/run.js");
  const loaded = loadConfig({ startPath: "/tmp/t1m" });
  const r = runCheck({ loaded, paths: [] });
  parentPort.postMessage(r.findings.length);
}
