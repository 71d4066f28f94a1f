import type { EffectHandler } from './effect.js';

/** A to-do: the action itself is the work; executing it changes nothing else. */
export const noneEffect: EffectHandler<{ readonly type: 'none' }> = {
  safe: true,
  apply: async () => ({ stored: null }),
};
