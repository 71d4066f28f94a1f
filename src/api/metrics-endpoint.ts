import { createHash, timingSafeEqual } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Werkflow } from '../engine/werkflow.js';

/**
 * Who may read `/metrics`: with WERKFLOW_METRICS_TOKEN set, a request carrying it as a bearer
 * token; without one, nobody on the API port (the series name templates and volumes) — use a
 * separate `--metrics-port` on an address only Prometheus reaches.
 */
export function metricsAccess(
  token: string | null,
  authorization: string | undefined,
): 'ok' | 'off' | 'unauthenticated' {
  if (!token) return 'off';
  const given = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) ? 'ok' : 'unauthenticated';
}

/**
 * A second, minimal HTTP listener that answers only `GET /metrics` (and the token, when one is
 * set): Prometheus scrapes it on a port the API's users do not reach.
 */
export async function startMetricsServer(
  werkflow: Werkflow,
  options: { port: number; host: string; token: string | null },
): Promise<{ server: Server; address: string }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics here.\n');
      return;
    }
    if (options.token && metricsAccess(options.token, request.headers.authorization) !== 'ok') {
      response
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
        .end('Send WERKFLOW_METRICS_TOKEN as a bearer token.\n');
      return;
    }
    werkflow.metrics.text().then(
      (text) => response.writeHead(200, { 'content-type': werkflow.metrics.contentType }).end(text),
      (error: unknown) => {
        werkflow.log.error({ err: error }, 'metrics: could not collect');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('Could not collect the metrics.\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return { server, address: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` };
}
