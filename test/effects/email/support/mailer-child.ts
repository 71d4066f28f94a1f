// A mailer process the kill -9 test kills mid-batch (test/effects/email/mailer-crash.test.ts).
//
// argv[2] is JSON: { options, leaseMs, batchSize } — the database as Werkflow.open takes it and
// the mailer's settings. It starts the mailer on the real clock, prints "started", and drains the
// outbox until the test sends SIGKILL.
import { Werkflow, type WerkflowOptions } from '../../../../src/engine/werkflow.js';

const { options, leaseMs, batchSize } = JSON.parse(process.argv[2]!) as {
  options: WerkflowOptions;
  leaseMs: number;
  batchSize: number;
};
const wf = await Werkflow.open({
  ...options,
  email: { mailer: { leaseMs, batchSize, idlePollMs: 200 }, log: () => {} },
});
await wf.email.startMailer();
process.stdout.write('started\n');
setInterval(() => {}, 60_000);
