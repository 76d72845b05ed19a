/**
 * The scheduler of `dbfence serve`: on a cron expression (croner; default daily 02:00 UTC) it audits
 * each configured local repository, probing its health URL when one is set. Each audit runs as a
 * `dbfence audit` child process, so a big project never stalls the HTTP server, and a crash in one
 * audit costs only that audit. The store reaches the child through $DBFENCE_STORE (a PostgreSQL
 * password never shows in a process list).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Cron } from "croner";
import { STORE_ENV } from "../history/open.js";
import type { ScheduledRepository, ScheduleSettings } from "./config.js";

const CLI = fileURLToPath(new URL("../cli.js", import.meta.url));

export interface RepositoryRun {
  repository: string;
  path: string;
  /** `dbfence audit`'s exit code (0 passed, 1 failed, 4 alert not delivered, 5 not stored, ...). */
  exitCode: number | null;
  auditId: number | null;
  status: "passed" | "failed" | null;
  error: string | null;
  durationMs: number;
}

export interface SchedulerRun {
  started: string;
  finished: string | null;
  results: RepositoryRun[];
}

export interface SchedulerStatus {
  cron: string;
  timezone: string;
  repositories: number;
  nextRun: string | null;
  running: boolean;
  lastRun: SchedulerRun | null;
}

export class AuditScheduler {
  private job: Cron | null = null;
  private current: Promise<SchedulerRun> | null = null;
  private last: SchedulerRun | null = null;

  constructor(
    private readonly settings: ScheduleSettings,
    /** The store spec the child audits write to (a path or a postgres:// URL). */
    private readonly store: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Starts the cron job (throws on an invalid expression or timezone). */
  start(): void {
    this.job = new Cron(this.settings.cron, { timezone: this.settings.timezone, protect: true }, () => {
      void this.runNow();
    });
  }

  stop(): void {
    this.job?.stop();
    this.job = null;
  }

  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  status(): SchedulerStatus {
    return {
      cron: this.settings.cron,
      timezone: this.settings.timezone,
      repositories: this.settings.repositories.length,
      nextRun: this.nextRun()?.toISOString() ?? null,
      running: this.current !== null,
      lastRun: this.last,
    };
  }

  /** Audits every configured repository, one after another; a run already going on is joined, not doubled. */
  runNow(): Promise<SchedulerRun> {
    if (this.current) return this.current;
    this.current = (async () => {
      const run: SchedulerRun = { started: new Date().toISOString(), finished: null, results: [] };
      this.log(`scheduled audit of ${this.settings.repositories.length} repositories started`);
      for (const repo of this.settings.repositories) {
        const result = await this.auditOne(repo);
        run.results.push(result);
        this.log(
          `  ${result.repository}: ${result.error ?? `${result.status ?? "?"} (exit ${result.exitCode}${result.auditId !== null ? `, audit #${result.auditId}` : ""})`}`,
        );
      }
      run.finished = new Date().toISOString();
      this.last = run;
      return run;
    })().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private auditOne(repo: ScheduledRepository): Promise<RepositoryRun> {
    const args = [CLI, "audit", repo.path, "--format", "json", "--repository", repo.name];
    if (repo.config) args.push("--config", repo.config);
    if (repo.probe) args.push("--probe", repo.probe, "--probe-count", String(repo.probeCount));
    if (this.settings.auditLog) args.push("--audit-log", this.settings.auditLog);
    if (this.settings.webhook) args.push("--webhook", this.settings.webhook);
    if (this.settings.dashboardUrl) args.push("--dashboard-url", this.settings.dashboardUrl);
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, args, {
        cwd: repo.path,
        env: { ...process.env, [STORE_ENV]: this.store },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: this.settings.timeoutMs,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString("utf8");
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("utf8");
      });
      const done = (exitCode: number | null, error: string | null) => {
        let auditId: number | null = null;
        let status: "passed" | "failed" | null = null;
        try {
          const out = JSON.parse(stdout) as { auditId: number | null; snapshot: { status: "passed" | "failed" } };
          auditId = out.auditId;
          status = out.snapshot.status;
        } catch {
          error ??= stderr.trim().split("\n").at(-1) || `dbfence audit exited ${exitCode}`;
        }
        resolve({
          repository: repo.name,
          path: repo.path,
          exitCode,
          auditId,
          status,
          error,
          durationMs: Math.round(performance.now() - started),
        });
      };
      child.on("error", (e) => done(null, e.message));
      child.on("close", (code, signal) => done(code, signal ? `stopped by ${signal} (timeout?)` : null));
    });
  }
}
