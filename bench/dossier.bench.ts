/**
 * Dossier writes per second, through the engine's DossierService (validation, reference checks,
 * the dossier row and its event in one transaction — the path the API takes):
 *
 * - `single`: sequential `create` calls, one transaction each;
 * - `bulk create`: `upsertByExternalId` in batches of 1,000 until 20,000 dossiers exist;
 * - `bulk update`: the same 20,000 upserted again with one field changed (updates + events);
 * - `bulk unchanged`: upserted a third time unchanged (the diff finds nothing to write).
 *
 * On SQLite (a temporary file, WAL) always; on PostgreSQL when a server answers at
 * WERKFLOW_BENCH_PG_URL, else WERKFLOW_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/test,
 * each run in a fresh schema that is dropped afterwards.
 *
 * Wall-clock figures depend on what else the machine runs; for SQLite, whose work happens in this
 * process, `…PerCpuSec` (dossiers per CPU-second of this process) does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Werkflow, type WerkflowOptions } from '../src/engine/werkflow.js';
import type { UpsertItem } from '../src/services/dossier.service.js';

const SINGLE_COUNT = 2_000;
const BULK_TOTAL = 20_000;
const BULK_BATCH = 1_000;
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

const CITIES = ['Zwolle', 'Utrecht', 'Groningen', 'Arnhem', 'Leiden', 'Deventer', 'Haarlem'];

/** The data of demo contact `i` (type `contact` of the energy-cooperative preset). */
export function contactData(i: number, round = 0): Record<string, unknown> {
  return {
    kind: 'persoon',
    name: `Bench Contact ${i}`,
    firstName: 'Bench',
    lastName: `Contact ${i}`,
    email: `bench.contact.${i}@example.nl`,
    phone: '+31 6 12345678',
    street: 'Dorpsstraat',
    houseNumber: String(1 + (i % 180)),
    postalCode: '8011 AB',
    city: CITIES[(i + round) % CITIES.length],
  };
}

function perSecond(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

interface Timing {
  /** Wall-clock milliseconds. */
  readonly ms: number;
  /** CPU milliseconds of this process (user + system). */
  readonly cpuMs: number;
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

/** Runs the four measurements on one freshly opened database; keys are prefixed with `prefix`. */
async function measure(
  prefix: string,
  options: WerkflowOptions,
  cpuBound: boolean,
): Promise<Record<string, number>> {
  const werkflow = await Werkflow.open({ ...options, preset: 'energy-cooperative' });
  try {
    const service = werkflow.dossiers;
    const single = await timed(async () => {
      for (let i = 0; i < SINGLE_COUNT; i++) {
        await service.create('contact', { data: contactData(i) }, 'bench');
      }
    });
    const batches = (round: number): UpsertItem[][] => {
      const out: UpsertItem[][] = [];
      for (let start = 0; start < BULK_TOTAL; start += BULK_BATCH) {
        const batch: UpsertItem[] = [];
        for (let i = start; i < start + BULK_BATCH; i++) {
          batch.push({ externalId: `bench:${i}`, data: contactData(i, round) });
        }
        out.push(batch);
      }
      return out;
    };
    const upsertAll = async (round: number, expect: 'created' | 'updated' | 'unchanged') => {
      const all = batches(round);
      let counted = 0;
      const timing = await timed(async () => {
        for (const batch of all) {
          const result = await service.upsertByExternalId('contact', batch, 'bench');
          counted += result[expect];
        }
      });
      if (counted !== BULK_TOTAL) {
        throw new Error(`bulk upsert round ${round}: expected ${BULK_TOTAL} ${expect}, got ${counted}`);
      }
      return timing;
    };
    const create = await upsertAll(0, 'created');
    const update = await upsertAll(1, 'updated');
    const unchanged = await upsertAll(1, 'unchanged');
    const results: Record<string, number> = {
      [`${prefix}.single.createPerSec`]: perSecond(SINGLE_COUNT, single.ms),
      [`${prefix}.bulk.createPerSec`]: perSecond(BULK_TOTAL, create.ms),
      [`${prefix}.bulk.updatePerSec`]: perSecond(BULK_TOTAL, update.ms),
      [`${prefix}.bulk.unchangedPerSec`]: perSecond(BULK_TOTAL, unchanged.ms),
    };
    if (cpuBound) {
      // SQLite works synchronously inside this process, so dossiers per CPU-second is what one
      // core does whatever else the machine runs; compare it with the wall-clock figure.
      results[`${prefix}.single.createPerCpuSec`] = perSecond(SINGLE_COUNT, single.cpuMs);
      results[`${prefix}.bulk.createPerCpuSec`] = perSecond(BULK_TOTAL, create.cpuMs);
      results[`${prefix}.bulk.updatePerCpuSec`] = perSecond(BULK_TOTAL, update.cpuMs);
    }
    return results;
  } finally {
    await werkflow.close();
  }
}

export async function postgresReachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** Dossier writes per second, single and bulk, on SQLite and (when reachable) PostgreSQL. */
export async function dossierBench(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};

  const dir = mkdtempSync(join(tmpdir(), 'werkflow-bench-'));
  try {
    Object.assign(results, await measure('sqlite', { url: join(dir, 'bench.db') }, true));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const url = process.env.WERKFLOW_BENCH_PG_URL || process.env.WERKFLOW_TEST_PG_URL || DEFAULT_PG_URL;
  const unreachable = await postgresReachable(url);
  if (unreachable !== null) {
    console.warn(`dossier bench: PostgreSQL skipped, ${url} does not answer (${unreachable}).`);
    return results;
  }
  const schema = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  try {
    Object.assign(results, await measure('postgres', { url, schema, poolSize: 4 }, false));
  } finally {
    await dropSchema(url, schema);
  }
  return results;
}
