/**
 * A worker alone, for the scale table (bench/scale.bench.ts): a fresh process that opens the
 * loaded database, runs the scheduler and reports its own resident memory — not the bench
 * process's, which also built a million rows and holds what loading left on its heap.
 *
 * Plain JavaScript, run with plain Node (`node bench/scale-worker.mjs '<WerkflowOptions as
 * JSON>'`), so that it runs as `werkflow worker` does: the compiled code in dist/ when that is
 * at least as new as every file in src/ (`npm run build`), else the sources through tsx, whose
 * compiler adds some 70 MB (reported as `workerCompiled` 1 or 0). It opens, ticks once (the
 * templates are read), writes `ready` and waits for a line on stdin; then it ticks once (the
 * parent has made 1,000 actions due: they are claimed and executed), runs the scheduler idle
 * for IDLE_MS sampling RSS every 50 ms, and writes its figures as one JSON line.
 */
/* global process, URL, performance, setInterval, setTimeout, clearInterval */
import { readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';

const IDLE_MS = 3_000;
const mib = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const round = (n) => Math.round(n * 10) / 10;

/** The newest modification time of the files under a directory. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(`${e.name}${e.isDirectory() ? '/' : ''}`, dir);
    t = Math.max(t, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

const compiled = new URL('../dist/engine/werkflow.js', import.meta.url);
let fromDist = false;
try {
  fromDist = statSync(compiled).mtimeMs >= newest(new URL('../src/', import.meta.url));
} catch {
  fromDist = false;
}
if (!fromDist) (await import('tsx/esm/api')).register();
const { Werkflow } = await import(fromDist ? compiled.href : '../src/engine/werkflow.ts');

const options = JSON.parse(process.argv[2] ?? '{}');
const wf = await Werkflow.open({
  ...options,
  preset: 'energy-cooperative',
  scheduler: { maxSleepMs: 1_000 },
});
await wf.scheduler.tick();
const out = { workerCompiled: fromDist ? 1 : 0, workerOpenRssMiB: mib() };
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await new Promise((resolve) => lines.once('line', () => resolve()));

const t = performance.now();
const cpu = process.cpuUsage();
const report = await wf.scheduler.tick();
out.workerClaimExecute1000Ms = round(performance.now() - t);
const used = process.cpuUsage(cpu);
out.workerClaimExecute1000CpuMs = round((used.user + used.system) / 1000);
out.workerExecuted = report.executed;
out.workerClaimRssMiB = mib();

let peak = out.workerClaimRssMiB;
wf.scheduler.start();
const sampler = setInterval(() => (peak = Math.max(peak, mib())), 50);
await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
clearInterval(sampler);
await wf.scheduler.stop();
out.workerRssMiB = Math.max(peak, mib());
out.workerIdleRssMiB = mib();
out.workerHeapUsedMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
await wf.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
lines.close();
