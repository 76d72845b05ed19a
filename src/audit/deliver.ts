/**
 * Sending JSON to another server (the alert webhook, a `dbfence serve`), with retries and exponential
 * backoff. A failure is a result, never an exception: the snapshot is already stored when this runs.
 */
import type { AuditSnapshot } from "../history/snapshot.js";

export interface DeliveryOptions {
  /** Retries after the first attempt (default 3: four attempts in all). */
  retries: number;
  /** Wait before the first retry; doubled each time (default 1000 ms: 1 s, 2 s, 4 s). */
  backoffMs: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface DeliveryAttempt {
  status: number | null;
  error: string | null;
  ms: number;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: DeliveryAttempt[];
  /** For people: `delivered on attempt 3` or `HTTP 500 after 4 attempts`. */
  summary: string;
  /** The last response's status when the server answered. */
  status: number | null;
  /** The last response's body, parsed when it is JSON. */
  body?: unknown;
}

export const DELIVERY_DEFAULTS: DeliveryOptions = { retries: 3, backoffMs: 1000, timeoutMs: 10_000 };

/** The longest a `Retry-After` header may make us wait. */
const MAX_RETRY_AFTER_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retried: no answer, a timeout, 408, 429 and 5xx. Any other 4xx is final (retrying will not help). */
function retryable(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

export async function deliver(url: string, payload: unknown, opts: DeliveryOptions): Promise<DeliveryResult> {
  const attempts: DeliveryAttempt[] = [];
  const body = JSON.stringify(payload);
  let lastBody: unknown;
  for (let i = 0; i <= opts.retries; i++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
    const started = performance.now();
    let retryAfterMs: number | null = null;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "dbfence-audit", ...opts.headers },
        body,
        signal: controller.signal,
      });
      const text = await res.text();
      attempts.push({ status: res.status, error: null, ms: Math.round(performance.now() - started) });
      try {
        lastBody = JSON.parse(text);
      } catch {
        lastBody = text; // Slack answers plain `ok`, or a plain error word.
      }
      if (res.ok)
        return {
          delivered: true,
          attempts,
          status: res.status,
          body: lastBody,
          summary: `delivered${attempts.length > 1 ? ` on attempt ${attempts.length}` : ""}`,
        };
      if (!retryable(res.status)) break;
      const after = Number(res.headers.get("retry-after"));
      if (Number.isFinite(after) && after > 0) retryAfterMs = Math.min(after * 1000, MAX_RETRY_AFTER_MS);
    } catch (e) {
      attempts.push({
        status: null,
        error: controller.signal.aborted ? `timeout after ${opts.timeoutMs} ms` : describe(e),
        ms: Math.round(performance.now() - started),
      });
    } finally {
      clearTimeout(timer);
    }
    if (i < opts.retries) await sleep(retryAfterMs ?? opts.backoffMs * 2 ** i);
  }
  const last = attempts.at(-1);
  const what = last?.status != null ? `HTTP ${last.status}` : (last?.error ?? "no answer");
  return {
    delivered: false,
    attempts,
    status: last?.status ?? null,
    ...(last?.status != null ? { body: lastBody } : {}),
    summary: `${what} after ${attempts.length} attempt${attempts.length === 1 ? "" : "s"}`,
  };
}

function describe(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "host not found";
  if (cause?.code) return cause.code;
  return e instanceof Error ? e.message : String(e);
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped; nothing else. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A Slack-compatible incoming-webhook message (`text` for notifications and other chat tools that read
 * only it, `blocks` for Slack), naming each broken threshold.
 */
export function alertMessage(s: AuditSnapshot, auditId: number | null, dashboardUrl?: string): object {
  const where = [s.git.branch, s.git.commit?.slice(0, 10)].filter(Boolean).join(" @ ");
  const head = `dbfence: ${s.thresholdsBroken.length} threshold${s.thresholdsBroken.length === 1 ? "" : "s"} broken in ${s.repository}${where ? ` (${where})` : ""}`;
  const lines = s.thresholdsBroken.map((t) => `• ${slackEscape(t.message)}`);
  const counts = `${s.summary.errors} error${s.summary.errors === 1 ? "" : "s"}, ${s.summary.warnings} warning${s.summary.warnings === 1 ? "" : "s"} in ${s.summary.files} files${auditId !== null ? ` · audit #${auditId}` : ""}`;
  const link = dashboardUrl ? ` · <${dashboardUrl}|dashboard>` : "";
  return {
    text: `${slackEscape(head)}\n${lines.join("\n")}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `:rotating_light: *${slackEscape(head)}*` } },
      { type: "section", text: { type: "mrkdwn", text: lines.join("\n") || "—" } },
      { type: "context", elements: [{ type: "mrkdwn", text: `${slackEscape(counts)}${link}` }] },
    ],
  };
}
