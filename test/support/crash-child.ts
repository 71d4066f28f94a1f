// A worker that dies between claiming actions and completing them, for test/engine/crash.test.ts.
//
// argv[2] is JSON: { options, now, mode }
// - options: the database (SQLite file or PostgreSQL URL and schema), as Werkflow.open takes it;
// - now: the fixed clock of this process (epoch ms);
// - mode: 'exit' claims the due actions, commits the claim, then kills itself (SIGKILL);
//         'hang' claims, prints, then waits forever for the test to kill it;
//         'mid-effect' claims, then runs them and hangs inside the completing transaction, after
//         the first effect has written (uncommitted) rows — the test kills it there;
//         'tick-mid-effect' runs the scheduler's tick, which claims and executes a batch in one
//         transaction, and hangs inside its first effect in the same way.
// Lines on stdout tell the test how far it got: "claimed <n>" (not for tick-mid-effect), then
// "in-effect" for the mid-effect modes.
import type { Clock } from '../../src/domain/clock.js';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';

const { options, now, mode } = JSON.parse(process.argv[2]!) as {
  options: WerkflowOptions;
  now: number;
  mode: 'exit' | 'hang' | 'mid-effect' | 'tick-mid-effect';
};
const clock: Clock = { now: () => now };
const wf = await Werkflow.open({ ...options, clock });
const forever = () => new Promise<never>(() => setInterval(() => {}, 60_000));
const hangInEffect = () =>
  wf.dossiers.onAfterWrite(async () => {
    process.stdout.write('in-effect\n');
    await forever();
  });

if (mode === 'tick-mid-effect') {
  hangInEffect();
  await wf.scheduler.tick();
  process.stdout.write('unexpectedly completed\n');
  process.exit(1);
}

const claimed = await wf.store.db
  .transaction()
  .execute((db) => wf.engine.actions.claimDue('crash-child', now, 10_000, db));
process.stdout.write(`claimed ${claimed.length}\n`);

if (mode === 'exit') {
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'hang') {
  await forever();
} else {
  hangInEffect();
  await wf.executor.run(claimed, 'worker:crash-child');
  process.stdout.write('unexpectedly completed\n');
}
