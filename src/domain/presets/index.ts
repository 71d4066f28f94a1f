import { energyCooperativePreset } from './energy-cooperative.js';
import type { Preset } from './preset.js';
import { trainingInstitutePreset } from './training-institute.js';

export type { Preset, DemoData, DemoDossier, DemoUser } from './preset.js';

export const PRESETS: readonly Preset[] = [energyCooperativePreset, trainingInstitutePreset];

export const DEFAULT_PRESET = energyCooperativePreset.key;

/** The preset named `key`, or undefined. */
export function presetByKey(key: string): Preset | undefined {
  return PRESETS.find((p) => p.key === key);
}
