import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../../src/engine/werkflow.js';
import { BACKENDS } from '../../support/backends.js';
import {
  addMailbox,
  addTemplate,
  enqueue,
  openEmailWerkflow,
  seedEmailWorld,
} from './support/email-fixtures.js';
import { TestSmtpServer, waitFor } from './support/smtp-test-server.js';

const runTs = fileURLToPath(new URL('../../../bin/run-ts.js', import.meta.url));
const LEASE_MS = 600;
const MESSAGES = 90;
const KILLS = 3;
const CONNECTIONS = 3;

/** Starts the mailer in its own process; resolves once it says "started". */
function startMailerChild(
  options: unknown,
): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [
      runTs,
      'test/effects/email/support/mailer-child.ts',
      JSON.stringify({ options, leaseMs: LEASE_MS, batchSize: 10 }),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('started')) resolve({ child, exited });
    });
    void exited.then((code) => reject(new Error(`mailer child exited (${code}) before starting: ${stderr}`)));
  });
}

describe.each(BACKENDS)('kill -9 of the mailer mid-batch on $name', (backend) => {
  let w: Werkflow;
  let smtp: TestSmtpServer;
  let options: ReturnType<typeof backend.fresh>;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    smtp.delayMs = 15; // a slow server, so the kill lands while a batch is out
    await smtp.start(0);
    options = backend.fresh();
    w = await openEmailWerkflow(
      { ...backend, fresh: () => options },
      { clock: { now: () => Date.now() }, mailer: { leaseMs: LEASE_MS } },
    );
    await addMailbox(w, smtp.port, { maxConnections: CONNECTIONS });
    const world = await seedEmailWorld(w);
    const t = await addTemplate(w);
    for (let i = 0; i < MESSAGES; i++) {
      await enqueue(w, {
        actionId: `crash-${i}`,
        effect: {
          type: 'sendEmail',
          templateId: t.id,
          to: [{ type: 'field', path: 'intake.contact.email' }],
        },
        dossier: world.opportunity,
      });
    }
  });
  afterAll(async () => {
    await w?.close();
    await smtp?.stop();
  });

  it('three kills: every message delivered once or in doubt, in doubt at most kills × connections; none lost or sent twice', async () => {
    for (let kill = 1; kill <= KILLS; kill++) {
      const { child, exited } = await startMailerChild(options);
      const reach = kill * 20;
      await waitFor(() => smtp.received.length >= reach, 30_000, `the child to deliver ${reach} messages`);
      child.kill('SIGKILL');
      expect(await exited).toBeNull();
    }

    // A new mailer: after the lease, claims the dead ones left are taken back (in doubt only
    // when their content had gone out); the rest is sent.
    await new Promise((r) => setTimeout(r, LEASE_MS + 50));
    await w.email.mailer.sweep();
    await w.email.mailer.runUntilIdle();
    // Wait for answers the server gave to the dead process: they may still be arriving.
    await new Promise((r) => setTimeout(r, 100));

    const rows = await w.email.listOutbox({ limit: 1000 });
    expect(rows).toHaveLength(MESSAGES);
    const counts = smtp.countByMessageId();
    const known = new Set(rows.map((r) => r.messageId));
    for (const id of counts.keys()) expect(known.has(id), `unknown Message-ID ${id} at the sink`).toBe(true);
    const byStatus = { sent: 0, in_doubt: 0 };
    for (const row of rows) {
      expect(['sent', 'in_doubt'], `${row.id} is ${row.status}`).toContain(row.status);
      const received = counts.get(row.messageId) ?? 0;
      if (row.status === 'sent') expect(received, `sent ${row.messageId}`).toBe(1);
      else expect(received, `in doubt ${row.messageId}`).toBeLessThanOrEqual(1);
      byStatus[row.status as 'sent' | 'in_doubt']++;
    }
    // Only messages whose content was going out when a mailer died: one per connection at most.
    expect(byStatus.in_doubt).toBeLessThanOrEqual(KILLS * CONNECTIONS);
    expect(byStatus.sent).toBeGreaterThanOrEqual(MESSAGES - KILLS * CONNECTIONS);
    for (const n of counts.values()) expect(n).toBe(1);
  });
});
