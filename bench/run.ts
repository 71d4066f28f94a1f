/**
 * The benchmark harness (`npm run bench`): runs each bench module in turn, prints one table and
 * writes bench/results/latest.json and bench/results/latest.md (both overwritten; nothing is
 * appended). To add a module, add a `{ name, run }` to BENCHES; a module whose file may not exist
 * yet is loaded with `optional()`. `--peers` and `--scale <n>` run one comparison instead and
 * write `peers.*` or `scale.*` (see `selected()`); `--screens` runs the per-screen server-time
 * case alone and writes `screens.*`.
 *
 * Figures are throughput (operations per second) unless the metric name says otherwise; compare
 * runs on the same machine only.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dossierBench } from './dossier.bench.js';

export interface BenchModule {
  readonly name: string;
  readonly run: () => Promise<Record<string, number>>;
}

/**
 * A module from a file of this folder that may not exist yet (written by another team): the
 * entry is left out when the file is absent, so the harness runs today.
 */
function optional(name: string, file: string, exportName: string): BenchModule | null {
  const path = fileURLToPath(new URL(file, import.meta.url));
  if (!existsSync(path)) return null;
  return {
    name,
    run: async () => {
      // A computed specifier: the compiler must not require the file to exist.
      const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const fn = mod[exportName];
      if (typeof fn !== 'function') throw new Error(`${file} does not export a function ${exportName}().`);
      return (await (fn as () => Promise<Record<string, number>>)()) ?? {};
    },
  };
}

export const BENCHES: readonly BenchModule[] = [
  { name: 'dossier', run: dossierBench },
  optional('email', './email.bench.ts', 'emailBench'),
  optional('engine', './engine.bench.ts', 'engineBench'),
  optional('explain', './explain.bench.ts', 'explainBench'),
  optional('screens', './screens.bench.ts', 'screensBench'),
].filter((b): b is BenchModule => b !== null);

/**
 * `--peers`: only the side-by-side comparison with graphile-worker, pg-boss and a bare SQLite
 * loop (bench/peers.bench.ts); `--scale <n>`: only the scale table at n pending actions
 * (bench/scale.bench.ts). Each writes its own results file (`peers.md`, `scale.md`).
 */
function selected(args: readonly string[]): { benches: readonly BenchModule[]; file: string } {
  if (args.includes('--peers')) {
    return {
      benches: [{ name: 'peers', run: async () => (await import('./peers.bench.js')).peersBench() }],
      file: 'peers',
    };
  }
  if (args.includes('--screens')) {
    return {
      benches: [{ name: 'screens', run: async () => (await import('./screens.bench.js')).screensBench() }],
      file: 'screens',
    };
  }
  const l = args.indexOf('--dossier-lists');
  if (l >= 0) {
    const n = Number(args[l + 1]);
    if (!Number.isInteger(n) || n < 1_000)
      throw new Error('--dossier-lists needs a number of contacts (at least 1000).');
    return {
      benches: [
        {
          name: 'dossier-lists',
          run: async () => (await import('./dossier-lists.bench.js')).dossierListsBench(n),
        },
      ],
      file: 'dossier-lists',
    };
  }
  const i = args.indexOf('--scale');
  if (i >= 0) {
    const n = Number(args[i + 1]);
    if (!Number.isInteger(n) || n < 1_000)
      throw new Error('--scale needs a number of actions (at least 1000).');
    // `--dossiers <m>`: spread the actions over m dossiers (default: as many as actions).
    const d = args.indexOf('--dossiers');
    const dossiers = d >= 0 ? Number(args[d + 1]) : undefined;
    if (dossiers !== undefined && (!Number.isInteger(dossiers) || dossiers < 1 || dossiers > n))
      throw new Error('--dossiers needs a number between 1 and the number of actions.');
    return {
      benches: [
        { name: 'scale', run: async () => (await import('./scale.bench.js')).scaleBench(n, dossiers) },
      ],
      file: 'scale',
    };
  }
  return { benches: BENCHES, file: 'latest' };
}

interface ModuleResult {
  readonly name: string;
  readonly metrics: Record<string, number>;
  readonly seconds: number;
  readonly error?: string;
}

function machine() {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    node: process.version,
    platform: `${platform()} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    /** Other work on the machine skews wall-clock figures; this says how busy it was at the start. */
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
}

const formatNumber = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2));

/** Rows of module, metric, value; a failed module shows its error. */
function rows(results: readonly ModuleResult[]): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const r of results) {
    if (r.error !== undefined) out.push([r.name, 'error', r.error]);
    for (const [metric, value] of Object.entries(r.metrics)) out.push([r.name, metric, formatNumber(value)]);
  }
  return out;
}

function textTable(header: [string, string, string], body: [string, string, string][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdown(info: ReturnType<typeof machine>, results: readonly ModuleResult[]): string {
  const body = rows(results)
    .map(([m, k, v]) => `| ${m} | ${k} | ${v.replace(/\|/g, '\\|')} |`)
    .join('\n');
  return [
    '# Benchmark results',
    '',
    `- Date: ${info.date}`,
    `- CPU: ${info.cpuModel}, ${info.cores} cores`,
    `- Node: ${info.node}`,
    `- Platform: ${info.platform}, ${info.memoryGiB} GiB memory`,
    `- Load average (1 min) at the start: ${info.loadAverage1m}`,
    '',
    'Figures are operations per second unless the metric says otherwise (`npm run bench`).',
    '',
    '| module | metric | value |',
    '|---|---|---:|',
    body,
    '',
    ...results.map((r) => `- ${r.name}: ${r.seconds.toFixed(1)} s${r.error ? ' (failed)' : ''}`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { benches, file } = selected(process.argv.slice(2));
  const info = machine();
  console.log(`Werkflow benchmarks on ${info.cpuModel} (${info.cores} cores), Node ${info.node}\n`);
  const results: ModuleResult[] = [];
  for (const bench of benches) {
    process.stderr.write(`running ${bench.name}…\n`);
    const start = performance.now();
    try {
      const metrics = await bench.run();
      results.push({ name: bench.name, metrics, seconds: (performance.now() - start) / 1000 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`${bench.name} failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
      results.push({
        name: bench.name,
        metrics: {},
        seconds: (performance.now() - start) / 1000,
        error: message,
      });
    }
  }
  console.log(textTable(['module', 'metric', 'value'], rows(results)));

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const json = {
    machine: info,
    results: Object.fromEntries(
      results.map((r) => [
        r.name,
        { ...r.metrics, ...(r.error ? { error: r.error } : {}), seconds: r.seconds },
      ]),
    ),
  };
  writeFileSync(`${dir}${file}.json`, JSON.stringify(json, null, 2) + '\n');
  writeFileSync(`${dir}${file}.md`, markdown(info, results));
  console.log(`\nWritten to bench/results/${file}.json and bench/results/${file}.md.`);
  if (results.some((r) => r.error !== undefined)) process.exitCode = 1;
}

await main();
