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
/** A worker that shows no progress for this long is considered dead. */
const STALL_MS = 120_000;

export class SyncPool {
  private readonly workers: { worker: Worker; port: MessagePort }[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));

  constructor(size: number, script: URL, data: Record<string, unknown>) {
    for (let i = 0; i < size; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(script, {
        workerData: { ...data, port: port2, signal: this.signal.buffer },
        transferList: [port2],
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
      worker.unref();
      this.workers.push({ worker, port: port1 });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends task i to worker i (a null task sends nothing to that worker). */
  private posted = 0;

  post(tasks: readonly unknown[]): void {
    this.posted = performance.now();
    for (const [i, t] of tasks.entries()) if (t !== null) this.workers[i]?.port.postMessage(t);
  }

  /** Waits for the answers of the tasks last posted (null for workers that got none). */
  collect<T>(tasks: readonly unknown[]): T[] {
    const results: (T | undefined)[] = tasks.map(() => undefined);
    let pending = tasks.filter((t) => t !== null).length;
    let lastProgress = Date.now();
    while (pending > 0) {
      const seen = Atomics.load(this.signal, 0);
      for (const [i, t] of tasks.entries()) {
        if (t === null || results[i] !== undefined) continue;
        const m = receiveMessageOnPort(this.workers[i]?.port as MessagePort);
        if (!m) continue;
        const answer = m.message as { error?: string } | T;
        if (answer && typeof answer === "object" && "error" in answer && typeof answer.error === "string") {
          throw new Error(`a worker thread failed: ${answer.error}`);
        }
        results[i] = answer as T;
        pending--;
        if (process.env.DBFENCE_TRACE === "1") {
          process.stderr.write(
            `dbfence: trace: worker ${i} answered after ${(performance.now() - this.posted).toFixed(0)} ms\n`,
          );
        }
      }
      if (pending === 0) break;
      if (Atomics.wait(this.signal, 0, seen, 1000) !== "timed-out") lastProgress = Date.now();
      else if (Date.now() - lastProgress > STALL_MS) throw new Error("a worker thread stopped answering");
    }
    return results.map((r) => (r === undefined ? (null as T) : r));
  }

  run<T>(tasks: readonly unknown[]): T[] {
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
