import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/domain/clock.js';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';
import type { SchedulerOptions } from '../../src/engine/scheduler.js';

/** A database backend the suite runs against. */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** Options for a fresh, empty database of this backend (own file or own schema). */
  fresh(): WerkflowOptions;
}

const testRoot = join(tmpdir(), 'werkflow-test');
mkdirSync(testRoot, { recursive: true });

export const sqliteBackend: Backend = {
  name: 'sqlite',
  fresh: () => ({ url: join(mkdtempSync(join(testRoot, 'db-')), 'werkflow.db') }),
};

export function postgresBackend(url: string): Backend {
  return {
    name: 'postgres',
    fresh: () => ({ url, schema: `wft_${process.pid}_${randomBytes(4).toString('hex')}`, poolSize: 4 }),
  };
}

/** SQLite always; PostgreSQL too when WERKFLOW_TEST_PG_URL is set. */
export const BACKENDS: readonly Backend[] = process.env.WERKFLOW_TEST_PG_URL
  ? [sqliteBackend, postgresBackend(process.env.WERKFLOW_TEST_PG_URL)]
  : [sqliteBackend];

/** A test clock: starts at `start`, moved by hand. */
export class TestClock implements Clock {
  private ms: number;
  constructor(start: string | number = '2026-11-23T09:00:00+01:00') {
    this.ms = typeof start === 'number' ? start : new Date(start).getTime();
  }
  now(): number {
    return this.ms;
  }
  set(at: string | number): void {
    this.ms = typeof at === 'number' ? at : new Date(at).getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Opens a fresh Werkflow on the backend with a preset installed. */
export async function openTestWerkflow(
  backend: Backend,
  options: { preset?: string; clock?: Clock; scheduler?: SchedulerOptions } = {},
): Promise<Werkflow> {
  return Werkflow.open({
    ...backend.fresh(),
    preset: options.preset ?? 'energy-cooperative',
    clock: options.clock ?? new TestClock(),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
}
