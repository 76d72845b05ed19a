/**
 * `dbfence probe`: calls an app's database health endpoint several times and measures it. Timeouts,
 * refused connections and error statuses are results, never crashes.
 */

export interface ProbeOptions {
  url: string;
  /** Number of sequential requests. */
  count: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** The latency a healthy endpoint must stay under (p95). */
  thresholdMs: number;
}

export interface ProbeAttempt {
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  latencyMs: number;
  /** "timeout", "connection refused", ... when no response arrived. */
  error: string | null;
}

export interface ProbeResult {
  probeVersion: 1;
  url: string;
  count: number;
  ok: number;
  failed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  thresholdMs: number;
  /** Every request answered 2xx and p95 is within the threshold. */
  healthy: boolean;
  attempts: ProbeAttempt[];
}

export async function probe(opts: ProbeOptions): Promise<ProbeResult> {
  const attempts: ProbeAttempt[] = [];
  for (let i = 0; i < opts.count; i++) attempts.push(await once(opts.url, opts.timeoutMs));
  const answered = attempts.filter((a) => a.status !== null).map((a) => a.latencyMs);
  const ok = attempts.filter((a) => a.status !== null && a.status >= 200 && a.status < 300).length;
  const p95 = percentile(answered, 95);
  return {
    probeVersion: 1,
    url: opts.url,
    count: opts.count,
    ok,
    failed: opts.count - ok,
    p50Ms: percentile(answered, 50),
    p95Ms: p95,
    maxMs: answered.length > 0 ? round(Math.max(...answered)) : null,
    thresholdMs: opts.thresholdMs,
    healthy: ok === opts.count && p95 !== null && p95 <= opts.thresholdMs,
    attempts,
  };
}

async function once(url: string, timeoutMs: number): Promise<ProbeAttempt> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: controller.signal, headers: { "user-agent": "dbfence-probe" } });
    // Read the body so the latency covers the whole answer and the connection is released.
    await res.arrayBuffer();
    return { status: res.status, latencyMs: round(performance.now() - started), error: null };
  } catch (e) {
    return {
      status: null,
      latencyMs: round(performance.now() - started),
      error: describe(e, controller.signal.aborted, timeoutMs),
    };
  } finally {
    clearTimeout(timer);
  }
}

function describe(e: unknown, aborted: boolean, timeoutMs: number): string {
  if (aborted) return `timeout after ${timeoutMs} ms`;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "host not found";
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  return e instanceof Error ? e.message : String(e);
}

/** Nearest-rank percentile, in milliseconds with 0.1 ms precision. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return round(sorted[rank - 1] as number);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function formatProbeText(r: ProbeResult): string {
  const fmt = (v: number | null): string => (v === null ? "—" : `${v} ms`);
  const errors = new Map<string, number>();
  for (const a of r.attempts) {
    const key = a.error ?? (a.status !== null && (a.status < 200 || a.status >= 300) ? `HTTP ${a.status}` : null);
    if (key) errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  const lines = [
    `${r.url}: ${r.ok}/${r.count} answered 2xx`,
    `latency p50 ${fmt(r.p50Ms)}, p95 ${fmt(r.p95Ms)}, max ${fmt(r.maxMs)} (threshold p95 ≤ ${r.thresholdMs} ms)`,
    ...[...errors].map(([what, n]) => `  ${n} × ${what}`),
    r.healthy
      ? "healthy"
      : `NOT healthy: ${r.ok < r.count ? `${r.failed} request(s) failed` : `p95 ${fmt(r.p95Ms)} is over ${r.thresholdMs} ms`}`,
  ];
  return `${lines.join("\n")}\n`;
}
