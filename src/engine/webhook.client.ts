import { createHmac } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { WerkflowError } from '../domain/errors.js';
import { type ReasonCode, reason } from '../domain/action/reasons.js';
import type { WebhookPort } from './effect-ports.js';

/**
 * Addresses a webhook may not reach unless its host is allow-listed: loopback, private
 * (RFC 1918, unique local), carrier-grade NAT, link-local (with the cloud metadata service
 * 169.254.169.254), multicast, reserved and unspecified ranges.
 */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv6');

/** Whether an IP address is internal (IPv4-mapped and NAT64 IPv6 addresses are judged by their IPv4 part). */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (embedded) return INTERNAL.check(embedded, 'ipv4');
  const mappedHex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mappedHex) {
    const n = (parseInt(mappedHex[1]!, 16) << 16) | parseInt(mappedHex[2]!, 16);
    return INTERNAL.check([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), 'ipv4');
  }
  return INTERNAL.check(address, 'ipv6');
}

export interface WebhookClientOptions {
  /** Hosts (names or IP addresses) an administrator allowed to be internal; read at every call. */
  readonly allowedHosts: () => Promise<readonly string[]>;
  /** The signing secret from its stored (sealed) form. */
  readonly openSecret?: (stored: string) => string;
  /** For each call: its outcome and time; for each failure: why. */
  readonly observer?: {
    readonly called?: (outcome: 'ok' | 'error', ms: number) => void;
    readonly failed?: (reason: WebhookFailure) => void;
  };
  /** The whole call (connect, every redirect, the answer), default 10 s. */
  readonly timeoutMs?: number;
  /** Read at most this much of an answer, default 64 KiB; the rest is not read. */
  readonly maxResponseBytes?: number;
  /** 307/308 redirects followed (each checked like the first address), default 3. */
  readonly maxRedirects?: number;
}

export type WebhookFailure = 'status' | 'timeout' | 'network' | 'refused' | 'redirect';

class CallError extends Error {
  constructor(
    readonly reason: WebhookFailure,
    message: string,
    /** The coded sentence's params (besides the URL), for the action's error in the reader's language. */
    readonly coded?: { code: ReasonCode; params: Record<string, string | number> },
  ) {
    super(message);
  }
}

/**
 * Calls webhooks: POST JSON, signed with HMAC-SHA256 over the body (header
 * `X-Werkflow-Signature: sha256=<hex>`), with the action id as `Idempotency-Key` so a receiver
 * can drop the second delivery if a crash or a retry makes us call twice. 2xx is success;
 * anything else throws, and the executor retries with back-off — except a refused address, which
 * throws a `configuration` error that fails the action at once (retrying cannot change it).
 *
 * The address is checked after DNS resolution, and the connection goes to the address that was
 * checked (no second lookup a DNS rebinding could answer differently); redirects (307/308 only:
 * they keep the POST and its body) are checked the same way. Internal addresses are refused
 * unless the host is allow-listed (setting `webhooks.allowedHosts`).
 */
export function createWebhookClient(options: WebhookClientOptions): WebhookPort {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const maxRedirects = options.maxRedirects ?? 3;
  return {
    async post({ url, secret, actionId, body }) {
      const payload = JSON.stringify(body);
      // A secret that cannot be opened (another key) fails the call with the reason.
      const key = secret && options.openSecret ? options.openSecret(secret) : secret;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(payload)),
        'idempotency-key': actionId,
        'user-agent': 'Werkflow',
      };
      if (key)
        headers['x-werkflow-signature'] = `sha256=${createHmac('sha256', key).update(payload).digest('hex')}`;
      const started = performance.now();
      const deadline = AbortSignal.timeout(timeoutMs);
      const allowed = new Set((await options.allowedHosts()).map((h) => normaliseHost(h)));
      try {
        let target = new URL(url);
        for (let hop = 0; ; hop++) {
          const answer = await call(target, headers, payload, allowed, deadline, maxBytes);
          if ((answer.status === 307 || answer.status === 308) && answer.location) {
            if (hop >= maxRedirects) throw new CallError('redirect', `more than ${maxRedirects} redirects`);
            target = new URL(answer.location, target);
            continue;
          }
          if (answer.status >= 300 && answer.status < 400)
            throw new CallError(
              'redirect',
              `answered ${answer.status} (a redirect that would turn the POST into a GET; only 307 and 308 are followed)`,
            );
          if (answer.status < 200 || answer.status >= 300) {
            const text = answer.text.slice(0, 300);
            throw new CallError('status', `answered ${answer.status}${text ? `: ${text}` : ''}`, {
              code: text ? 'reason.webhookRefused' : 'reason.webhookStatus',
              params: text ? { status: answer.status, body: text } : { status: answer.status },
            });
          }
          options.observer?.called?.('ok', performance.now() - started);
          return { status: answer.status };
        }
      } catch (error) {
        const failure =
          error instanceof CallError
            ? error
            : deadline.aborted
              ? new CallError('timeout', `did not answer within ${timeoutMs / 1000} s`, {
                  code: 'reason.webhookTimeout',
                  params: { seconds: timeoutMs / 1000 },
                })
              : new CallError('network', `could not be reached: ${(error as Error).message}`, {
                  code: 'reason.webhookUnreachable',
                  params: { detail: (error as Error).message },
                });
        options.observer?.called?.('error', performance.now() - started);
        options.observer?.failed?.(failure.reason);
        // A refused address stays refused until an administrator allow-lists it: trying again
        // cannot help, so the action fails at once (code `configuration`, see the executor).
        if (failure.reason === 'refused')
          throw new WerkflowError('configuration', `The webhook ${url} ${failure.message}.`, {
            cause: error,
            params: { url },
            reason: failure.coded && reason(failure.coded.code, { url, ...failure.coded.params }),
          });
        throw new WerkflowError(
          'invalid_state',
          `The webhook ${url} ${failure.message}. It will be retried.`,
          {
            cause: error,
            reason: failure.coded && reason(failure.coded.code, { url, ...failure.coded.params }),
          },
        );
      }
    },
  };
}

function normaliseHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
}

/** One request to one URL; resolves with the status, Location and the first bytes of the answer. */
function call(
  target: URL,
  headers: Record<string, string>,
  payload: string,
  allowed: ReadonlySet<string>,
  signal: AbortSignal,
  maxBytes: number,
): Promise<{ status: number; location: string | undefined; text: string }> {
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(
      new CallError('refused', `is not an http(s) address`, { code: 'reason.webhookNotHttp', params: {} }),
    );
  const host = normaliseHost(target.hostname);
  const isAllowed = allowed.has(host);
  const refuse = (address: string) =>
    new CallError(
      'refused',
      `resolves to the internal address ${address}; an administrator can allow the host "${host}" under the webhook settings`,
      { code: 'reason.webhookAddressRefused', params: { address, host } },
    );
  if (isIP(host) && !isAllowed && isInternalAddress(host)) return Promise.reject(refuse(host));
  // Checked after resolution; the socket connects to the address checked here.
  const lookup: LookupFunction = (hostname, opts, done) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return done(error, '', 0);
      const bad = isAllowed ? undefined : addresses.find((a) => isInternalAddress(a.address));
      if (bad) return done(refuse(bad.address), '', 0);
      const first = addresses[0];
      if (!first) return done(new Error(`no address for ${hostname}`), '', 0);
      if ((opts as { all?: boolean }).all)
        (done as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
      else done(null, first.address, first.family);
    });
  };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const attempt = (
    retryOnStaleSocket: boolean,
  ): Promise<{ status: number; location: string | undefined; text: string }> =>
    new Promise((resolve, reject) => {
      const req = send(target, { method: 'POST', headers, lookup, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          resolve({
            status: res.statusCode ?? 0,
            location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= maxBytes) return;
          chunks.push(chunk.subarray(0, maxBytes - size));
          size += chunk.length;
          // Enough read: the rest of an over-long answer is not waited for.
          if (size >= maxBytes) {
            finish();
            res.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', (e) => (size >= maxBytes ? undefined : reject(e)));
      });
      // A kept-alive socket the server closed while it sat idle (its keep-alive timeout) resets
      // at once: nothing reached the server, so the call goes again on a new connection, once
      // (Node's advice for req.reusedSocket; the Idempotency-Key covers the rare other case).
      req.on('error', (error: NodeJS.ErrnoException) =>
        retryOnStaleSocket && req.reusedSocket && error.code === 'ECONNRESET'
          ? resolve(attempt(false))
          : reject(error),
      );
      req.end(payload);
    });
  return attempt(true);
}
