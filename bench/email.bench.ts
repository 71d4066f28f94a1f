/**
 * E-mail throughput, on SQLite (a temporary file, WAL), through the code paths the engine uses:
 *
 * - `mails rendered/s`: previewEmailForAction — read the template, follow the references it
 *   names (opportunity → intake → contact, the responsible user), resolve the recipients, render
 *   subject, HTML (escaped) and text with the Dutch filters — sequentially, one mail at a time.
 * - `mails delivered/s (local sink, pooled)`: the mailer draining an outbox of rendered messages
 *   over pooled SMTP connections to the local sink (Werkflow's MailSink: smtp-server on loopback,
 *   parsing and storing every message in its own SQLite file): claim → send → record, until all
 *   are `sent` and stored. The sink runs in its own process, as any SMTP server does, so the figure
 *   is the mailer's and not the sink's; started after a warm-up of 1,000 messages.
 *
 * Wall-clock figures depend on what else the machine runs; compare runs on the same machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Werkflow } from '../src/engine/werkflow.js';
import { systemClock } from '../src/engine/clock.js';
import { MailSink } from '../src/effects/email/mail-sink.js';
import { previewEmailForAction, type SendEmailEffect } from '../src/effects/email/send-email.effect.js';
import { openStore } from '../src/store/database.js';
import { MailSinkRepository } from '../src/store/mail-sink.repository.js';
import { migrate } from '../src/store/migrator.js';

const RENDER_COUNT = 3_000;
const DELIVER_COUNT = 5_000;
const WARMUP_COUNT = 1_000;
const SINK_FLAG = '--email-bench-sink';

/** The sink process: `node bin/run-ts.js bench/email.bench.ts --email-bench-sink <db file>`. */
async function runSinkChild(dbFile: string): Promise<void> {
  const store = await openStore({ url: dbFile });
  await migrate(store, systemClock);
  const sink = new MailSink(new MailSinkRepository(store), systemClock, { port: 0 });
  const { port } = await sink.start();
  process.stdout.write(`port ${port}\n`);
  process.stdin.resume();
  process.stdin.once(
    'end',
    () =>
      void sink
        .stop()
        .then(() => store.close())
        .then(() => process.exit(0)),
  );
}

function startSinkChild(dbFile: string): Promise<{ child: ChildProcess; port: number }> {
  const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [runTs, self, SINK_FLAG, dbFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The bench mail sink stopped (exit ${code}).`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve({ child, port: Number(m[1]) });
    });
  });
}

export async function emailBench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'werkflow-email-bench-'));
  const sinkDb = join(dir, 'sink.db');
  const { child, port } = await startSinkChild(sinkDb);
  const w = await Werkflow.open({
    url: join(dir, 'werkflow.db'),
    preset: 'energy-cooperative',
    email: { secretKey: 'e'.repeat(64), mailer: { batchSize: 250 }, log: () => {} },
  });
  try {
    await w.email.mailboxes.createMailbox({
      name: 'Bench sink',
      host: '127.0.0.1',
      port,
      security: 'none',
      fromName: 'Energie Coöperatie',
      fromAddress: 'info@coop.example.nl',
      maxConnections: 10,
    });
    const now = w.clock.now();
    await w.dossiers.users.insert({
      id: 'bench-user',
      name: 'Anja Kramer',
      email: 'anja@coop.example.nl',
      phone: null,
      jobTitle: 'Energiecoach',
      active: true,
      createdAt: now,
    });
    const contact = await w.dossiers.create(
      'contact',
      {
        data: {
          kind: 'persoon',
          name: 'Jan van der Berg',
          firstName: 'Jan',
          email: 'jan@example.nl',
          city: 'Zwolle',
        },
      },
      null,
    );
    const category = await w.dossiers.create('measureCategory', { data: { name: 'Isolatie' } }, null);
    const intake = await w.dossiers.create('intake', { data: { contact: contact.id, status: 'open' } }, null);
    const opportunity = await w.dossiers.create(
      'opportunity',
      {
        data: {
          name: 'Spouwmuurisolatie',
          intake: intake.id,
          measureCategory: category.id,
          status: 'actief',
          desiredDate: '2027-02-03',
          amount: 1250.5,
          responsibleUser: 'bench-user',
        },
      },
      null,
    );
    const template = await w.email.templates.createTemplate({
      name: 'Bench',
      rootType: 'opportunity',
      subject: 'Uw {{ opportunity.name }} op {{ opportunity.desiredDate | date: "long" }}',
      htmlBody: [
        '<p>Beste {{ opportunity.intake.contact.firstName | name }},</p>',
        '<p>Uw aanvraag voor {{ opportunity.name }} ({{ opportunity.status }}) staat gepland op {{ opportunity.desiredDate | date: "full" }}.',
        'Het geschatte bedrag is {{ opportunity.amount | money }}.</p>',
        '{% if opportunity.intake.contact.city != blank %}<p>Wij komen naar {{ opportunity.intake.contact.city }}.</p>{% endif %}',
        '<p>Met vriendelijke groet,<br>{{ me.name }}, {{ me.jobTitle }}</p>',
      ].join('\n'),
    });
    const effect: SendEmailEffect = {
      type: 'sendEmail',
      templateId: template.id,
      to: [{ type: 'field', path: 'intake.contact.email' }],
    };

    for (let i = 0; i < 300; i++)
      await previewEmailForAction(w.email.outbox.deps, w.store.db, { effect, dossier: opportunity }); // warm-up
    const renderStart = performance.now();
    for (let i = 0; i < RENDER_COUNT; i++)
      await previewEmailForAction(w.email.outbox.deps, w.store.db, { effect, dossier: opportunity });
    const renderMs = performance.now() - renderStart;

    // Fill the outbox the way the engine does: one row per completed action, in transactions.
    const fill = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 250) {
        await w.store.db.transaction().execute(async (trx) => {
          for (let j = i; j < Math.min(i + 250, from + count); j++) {
            await w.email.outbox.enqueueForAction(trx, {
              actionId: `bench-${j}`,
              effect,
              dossier: opportunity,
            });
          }
        });
      }
    };
    // Warm-up: open the pooled connections and let the JIT see the SMTP path.
    await fill(0, WARMUP_COUNT);
    await w.email.outbox.mailer.runUntilIdle();
    await fill(WARMUP_COUNT, DELIVER_COUNT);
    const deliverStart = performance.now();
    const report = await w.email.outbox.mailer.runUntilIdle();
    const deliverMs = performance.now() - deliverStart;

    const sinkStore = await openStore({ url: sinkDb });
    const stored = await new MailSinkRepository(sinkStore).count().finally(() => sinkStore.close());
    if (report.sent !== DELIVER_COUNT || stored !== WARMUP_COUNT + DELIVER_COUNT) {
      throw new Error(
        `Expected ${DELIVER_COUNT} delivered, got ${report.sent} sent and ${stored - WARMUP_COUNT} stored at the sink.`,
      );
    }
    return {
      'mails rendered/s': Math.round((RENDER_COUNT / renderMs) * 1000),
      'mails delivered/s (local sink, pooled)': Math.round((DELIVER_COUNT / deliverMs) * 1000),
    };
  } finally {
    await w.close();
    child.removeAllListeners('exit');
    child.stdin!.end();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes(SINK_FLAG)) await runSinkChild(process.argv[process.argv.indexOf(SINK_FLAG) + 1]!);
