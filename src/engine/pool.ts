/**
 * A fixed set of worker threads driven synchronously: `runCheck` stays a plain function. Each worker
 * answers a task on its own MessagePort and bumps a shared counter; the engine blocks on that counter
 * (`Atomics.wait`) and takes answers with `receiveMessageOnPort`, so no event loop turn is needed.
 *
 * Workers get a larger young generation than Node's default: parsing makes many short-lived objects,
 * and with the default semi-space they survive long enough to be promoted, which made garbage collection
 * a third of a large check (docs/benchmarks.md).
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

/** Young generation per worker, in MB. */
const YOUNG_GENERATION_MB = 96;
/**
 * A worker that shows no progress for this long is considered dead (a crashed or out-of-memory worker
 * never answers, and a synchronous engine cannot hear its exit event). DBFENCE_WORKER_STALL_MS overrides it.
 */
const STALL_MS = positiveEnv("DBFENCE_WORKER_STALL_MS") ?? 120_000;
/** Old-generation heap limit per worker, in MB (DBFENCE_WORKER_HEAP_MB; default: V8's). */
const HEAP_MB = positiveEnv("DBFENCE_WORKER_HEAP_MB");

function positiveEnv(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * The answers of one round: `lost` lists the workers that failed, crashed or stopped answering. Those
 * workers are not used again; the engine does their work itself (src/engine/recover.ts).
 */
export interface Round<T> {
  results: (T | null)[];
  lost: number[];
}

export class SyncPool {
  private readonly workers: { worker: Worker; port: MessagePort }[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));

  constructor(size: number, script: URL, data: Record<string, unknown>) {
    for (let i = 0; i < size; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(script, {
        workerData: { ...data, port: port2, signal: this.signal.buffer },
        transferList: [port2],
        resourceLimits: {
          maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
          ...(HEAP_MB ? { maxOldGenerationSizeMb: HEAP_MB } : {}),
        },
      });
      // A worker's crash (out of memory included) is handled where its answer is awaited (`collect`): the
      // event, delivered later, must not become an uncaught exception that ends the process.
      worker.on("error", () => {});
      worker.unref();
      this.workers.push({ worker, port: port1 });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  private posted = 0;
  /** Workers that failed once: never sent anything again. */
  private readonly dead = new Set<number>();

  /** Is worker i still usable? */
  alive(i: number): boolean {
    return !this.dead.has(i);
  }

  /** Sends task i to worker i (a null task, or a dead worker, gets nothing). */
  post(tasks: readonly unknown[]): void {
    this.posted = performance.now();
    for (const [i, t] of tasks.entries()) if (t !== null && this.alive(i)) this.workers[i]?.port.postMessage(t);
  }

  /**
   * Waits for the answers of the tasks last posted (null for workers that got none). A worker that answers
   * with an error, or shows no progress for STALL_MS, is lost: its index is in `lost`, the others' answers
   * are kept.
   */
  collect<T>(tasks: readonly unknown[]): Round<T> {
    const results: (T | null | undefined)[] = tasks.map(() => undefined);
    const lost: number[] = [];
    const open = (i: number): boolean => tasks[i] !== null && results[i] === undefined && this.alive(i);
    for (const [i, t] of tasks.entries()) {
      if (t !== null && !this.alive(i)) {
        lost.push(i);
        results[i] = null;
      }
    }
    let lastProgress = Date.now();
    while (tasks.some((_, i) => open(i))) {
      const seen = Atomics.load(this.signal, 0);
      for (const i of tasks.keys()) {
        if (!open(i)) continue;
        const m = receiveMessageOnPort(this.workers[i]?.port as MessagePort);
        if (!m) continue;
        const answer = m.message as { error?: string } | T;
        if (answer && typeof answer === "object" && "error" in answer && typeof answer.error === "string") {
          this.lose(i, lost, results);
          continue;
        }
        results[i] = answer as T;
        if (process.env.DBFENCE_TRACE === "1") {
          process.stderr.write(
            `dbfence: trace: worker ${i} answered after ${(performance.now() - this.posted).toFixed(0)} ms\n`,
          );
        }
      }
      if (!tasks.some((_, i) => open(i))) break;
      if (Atomics.wait(this.signal, 0, seen, 1000) !== "timed-out") lastProgress = Date.now();
      else if (Date.now() - lastProgress > STALL_MS) {
        for (const i of tasks.keys()) if (open(i)) this.lose(i, lost, results);
      }
    }
    return { results: results.map((r) => r ?? null), lost };
  }

  private lose(i: number, lost: number[], results: unknown[]): void {
    this.dead.add(i);
    lost.push(i);
    results[i] = null;
    const w = this.workers[i];
    if (w) {
      w.port.close();
      void w.worker.terminate();
    }
  }

  run<T>(tasks: readonly unknown[]): Round<T> {
    this.post(tasks);
    return this.collect<T>(tasks);
  }

  close(): void {
    for (const { worker, port } of this.workers) {
      port.close();
      void worker.terminate();
    }
  }
}
