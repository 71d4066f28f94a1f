import { type Server, createServer } from 'node:http';

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests and the fault suite: it counts calls per
 * Idempotency-Key, the most calls it had in flight at once, and can be told to answer slowly.
 */
export class WebhookReceiver {
  /** Calls per Idempotency-Key (the action id). */
  readonly calls = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  /** Milliseconds to wait before answering. */
  delayMs = 0;
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<number> {
    const server = createServer((req, res) => {
      const key = String(req.headers['idempotency-key'] ?? '');
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      req.resume();
      req.on('end', () => {
        setTimeout(() => {
          this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
          this.inFlight--;
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        }, this.delayMs);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    this.server = server;
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
