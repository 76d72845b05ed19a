/**
 * The dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core): a seeded history
 * draws four uPlot charts with data, the findings table has a row per finding, a `<script>` in a
 * finding message stays text, and a screenshot is written to test-artifacts/dashboard.png.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { type BrowserContext, chromium } from "playwright-core";
import type { AuditSnapshot } from "../../src/history/snapshot.js";
import { SqliteStore } from "../../src/history/sqlite.js";
import { REPO } from "../audit/helpers.js";
import { type Running, seedHistory, serve, XSS_MESSAGE } from "./helpers.js";

const CHROMIUM = process.env.DBFENCE_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = path.join(REPO, "test-artifacts");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-dashboard-"));
let store: SqliteStore;
let server: Running;
let browser: BrowserContext;
let seeded: AuditSnapshot[];

before(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: \`npm test\` sets it up (scripts/test-setup.mjs installs Debian's chromium as root); or set DBFENCE_CHROMIUM`,
    );
  store = new SqliteStore(path.join(dir, "history.db"));
  seeded = await seedHistory(store);
  server = await serve({ store, token: null, bodyLimit: 1024 * 1024 });
  browser = await chromium.launchPersistentContext(path.join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface ChartState {
  id: string;
  points: number;
  series: number;
  canvas: { width: number; height: number; inked: number } | null;
}

test("the dashboard draws the trend charts and lists the latest findings", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${server.base}/repositories/plant-backend`);
  await page.waitForSelector("body[data-charts]");

  const charts = await page.evaluate(() => {
    const list = (window as unknown as { dbfenceCharts: { id: string; points: number; series: number }[] })
      .dbfenceCharts;
    return list.map((c) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`#${c.id} canvas`);
      let inked = 0;
      if (canvas) {
        const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 0) inked++;
      }
      return {
        id: c.id,
        points: c.points,
        series: c.series,
        canvas: canvas ? { width: canvas.width, height: canvas.height, inked } : null,
      };
    });
  });
  assert.deepEqual(
    charts.map((c: ChartState) => [c.id, c.points]),
    [
      ["chart-findings", 21],
      ["chart-usage", 21],
      ["chart-async", 21],
      ["chart-p95", 21],
    ],
  );
  const codes = new Set(seeded.flatMap((s) => s.findings.map((f) => f.code)));
  assert.equal(charts[0]?.series, codes.size, "one line per finding code");
  for (const c of charts as ChartState[]) {
    assert.ok(c.canvas && c.canvas.width > 200 && c.canvas.height > 100, `${c.id}: a canvas`);
    assert.ok(c.canvas.inked > 500, `${c.id}: lines drawn on the canvas (${c.canvas.inked} pixels)`);
  }

  const latest = seeded.at(-1) as AuditSnapshot;
  const rows = await page.locator("#findings tbody tr").count();
  assert.equal(rows, latest.findings.length);
  const firstRow = (await page.locator("#findings tbody tr").first().textContent()) ?? "";
  assert.match(firstRow, /app\/\S+\.py:\d+/, "file:line in the row");
  assert.ok(
    ((await page.locator("#findings").textContent()) ?? "").includes(XSS_MESSAGE),
    "the <script> message is shown as text",
  );
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  assert.equal(await page.locator("#thresholds li").count(), latest.thresholdsBroken.length);
  assert.equal(await page.locator("table.repos tbody tr").count(), 2, "both repositories listed");
  assert.deepEqual(errors, []);

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const shot = path.join(ARTIFACTS, "dashboard.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(fs.statSync(shot).size > 20_000, "a real screenshot");
  await page.close();
});

test("the overview opens the most recently audited repository, and an unknown one is a 404 page", async () => {
  const page = await browser.newPage();
  await page.goto(server.base);
  await page.waitForSelector("body[data-charts]");
  assert.equal((await page.locator("h2").nth(1).textContent())?.replace(/\s+/g, " ").trim(), "payments-api passed");
  const missing = await page.goto(`${server.base}/repositories/nope`);
  assert.equal(missing?.status(), 404);
  await page.close();
});
