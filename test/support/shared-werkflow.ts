import { afterAll, beforeAll } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type Backend, TestClock, openTestWerkflow } from './backends.js';

/**
 * One Werkflow for the tests of a describe block, with a test clock: opened before them, closed
 * after. Read `werkflow` inside the tests (it is set in beforeAll).
 */
export function sharedWerkflow(
  backend: Backend,
  options: { preset?: string; start?: string } = {},
): { readonly werkflow: Werkflow; readonly clock: TestClock } {
  const clock = new TestClock(options.start ?? '2026-11-23T09:00:00+01:00');
  let werkflow: Werkflow | undefined;
  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend, {
      clock,
      ...(options.preset ? { preset: options.preset } : {}),
    });
  });
  afterAll(async () => {
    await werkflow?.close();
  });
  return {
    clock,
    get werkflow(): Werkflow {
      if (!werkflow) throw new Error('The Werkflow is opened in beforeAll: use it inside a test.');
      return werkflow;
    },
  };
}
