// A Werkflow worker for the fault suite (bench/faults/scenarios.ts): the scheduler and the mailer
// on the real clock, as `werkflow worker` runs them, until it is killed.
//
// argv[2] is JSON: { options, leaseMs, sweepEveryMs, batchSize?, mailer } — the database as
// Werkflow.open takes it, the scheduler's lease, sweep interval and batch size, and mailer
// settings. Prints "started".
import type { MailerConfig } from '../../src/effects/email/mailer.js';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';

const { options, leaseMs, sweepEveryMs, batchSize, mailer } = JSON.parse(process.argv[2]!) as {
  options: WerkflowOptions;
  leaseMs: number;
  sweepEveryMs: number;
  batchSize?: number;
  mailer: Partial<MailerConfig>;
};
const wf = await Werkflow.open({
  ...options,
  scheduler: {
    leaseMs,
    sweepEveryMs,
    batchSize,
    maxSleepMs: 1_000,
    onError: (e) => {
      if (process.env.WERKFLOW_FAULTS_DEBUG) console.error('worker error:', e);
    },
  },
  email: { secretKey: 'f'.repeat(64), mailer: { redirectAllTo: null, ...mailer }, log: () => {} },
});
wf.scheduler.start({ recoverAll: wf.store.adapter.name === 'sqlite' });
await wf.email.outbox.startMailer();
process.stdout.write('started\n');
setInterval(() => {}, 60_000);
