// A worker that dies between claiming actions and completing them, for test/engine/crash.test.ts.
//
// argv[2] is JSON: { options, now, mode }
// - options: the database (SQLite file or PostgreSQL URL and schema), as Werkflow.open takes it;
// - now: the fixed clock of this process (epoch ms);
// - mode: 'exit' claims the due actions, commits the claim, then kills itself (SIGKILL);
//         'hang' claims, prints, then waits forever for the test to kill it;
//         'mid-effect' claims, then runs them and hangs inside the completing transaction, after
//         the first effect has written (uncommitted) rows — the test kills it there.
// Lines on stdout tell the test how far it got: "claimed <n>", then "in-effect" for mid-effect.
import type { Clock } from '../../src/domain/clock.js';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';

const { options, now, mode } = JSON.parse(process.argv[2]!) as { options: WerkflowOptions; now: number; mode: 'exit' | 'hang' | 'mid-effect' };
const clock: Clock = { now: () => now };
const wf = await Werkflow.open({ ...options, clock });
const claimed = await wf.store.db.transaction().execute((db) => wf.engine.actions.claimDue('crash-child', now, 10_000, db));
process.stdout.write(`claimed ${claimed.length}\n`);

const forever = () => new Promise<never>(() => setInterval(() => {}, 60_000));

if (mode === 'exit') {
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'hang') {
  await forever();
} else {
  wf.dossiers.onAfterWrite(async () => {
    process.stdout.write('in-effect\n');
    await forever();
  });
  await wf.executor.run(claimed, 'worker:crash-child');
  process.stdout.write('unexpectedly completed\n');
}
