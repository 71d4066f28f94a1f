import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * A thread of its own with a second connection to a SQLite file, for checkpoints too large to
 * run on the main thread: better-sqlite3 is synchronous, and a passive checkpoint of a 40 MB
 * write-ahead log (SQLITE_AUTOCHECKPOINT_PAGES) holds the event loop for a third of a second here
 * (13,000 pages: 346 ms), during which no request is answered. A passive checkpoint on another
 * connection waits for no one and no one waits for it (WAL mode), so the thread does it while
 * the process goes on. Started at the first large checkpoint; closed with the store.
 */
export class BackgroundCheckpointer {
  private worker: Worker | null = null;
  private running: Promise<void> | null = null;
  private failure: Error | null = null;
  /** Checkpoints done in the thread (for tests and operators). */
  done = 0;

  constructor(private readonly file: string) {}

  /**
   * Starts a checkpoint in the thread unless one is running; does not wait for it. A failure of
   * the previous one is thrown here, so it reaches the caller's error handling (the scheduler's).
   */
  start(): void {
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
  }

  /** Waits for a running checkpoint, then ends the thread and its connection. */
  async close(): Promise<void> {
    await this.running;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.ref(); // a close being awaited keeps the process alive until the thread is gone
    worker.postMessage('close');
    await exited;
  }

  private run(): Promise<void> {
    const worker = (this.worker ??= this.spawn());
    return new Promise<void>((resolve) => {
      const settle = (error: string | null) => {
        worker.unref();
        worker.off('message', settle);
        worker.off('exit', stopped);
        if (error === null) this.done += 1;
        else this.failure = new Error(`SQLite checkpoint in its thread failed: ${error}`);
        resolve();
      };
      const stopped = () => {
        if (this.worker === worker) this.worker = null;
        settle('the thread stopped');
      };
      worker.on('message', settle);
      worker.once('exit', stopped);
      // Held while it runs: a process that ends (a command's close) waits for the checkpoint.
      worker.ref();
      worker.postMessage('checkpoint');
    });
  }

  private spawn(): Worker {
    const worker = new Worker(THREAD, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: this.file },
    });
    worker.unref(); // idle, the thread never keeps the process alive
    worker.on('error', () => {}); // reported through 'exit' (settle)
    return worker;
  }
}

/** The thread (CommonJS, evaluated): one connection, a passive checkpoint per message. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(passive)');
    parentPort.postMessage(null);
  } catch (error) {
    parentPort.postMessage(String((error && error.message) || error));
  }
});
`;
