import type { DossierType, Label } from '../dossier-type.js';

/** One dossier to create when seeding demo data; references name other demo dossiers by `ref`. */
export interface DemoDossier {
  readonly type: string;
  /** A local name other demo dossiers use to refer to this one. */
  readonly ref: string;
  readonly data: Record<string, unknown>;
  /** Fields whose value is the `ref` of another demo dossier, resolved to its id on insert. */
  readonly links?: Readonly<Record<string, string>>;
  /** Fields whose value is the name of a demo user or team, resolved to its id on insert. */
  readonly people?: Readonly<Record<string, string>>;
}

export interface DemoUser {
  readonly key: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly jobTitle: string;
  readonly teams: readonly string[];
}

export interface DemoData {
  readonly users: readonly DemoUser[];
  readonly teams: readonly string[];
  readonly dossiers: readonly DemoDossier[];
}

/**
 * A preset: the dossier types, statuses and demo data for one field of work. Demo data is
 * generated from a seed, so the same seed and count give the same data.
 */
export interface Preset {
  readonly key: string;
  readonly label: Label;
  readonly dossierTypes: readonly DossierType[];
  demoData(options: { count: number; seed: number; today: string }): DemoData;
}
