import { newId } from '../domain/id.js';
import { PRESETS, type DemoDossier, presetByKey } from '../domain/presets/index.js';
import type { Werkflow } from '../engine/werkflow.js';
import { installDemoDossierWorkflows, installDemoWorkflows } from './demo-workflows.js';

export interface SeedProgress {
  readonly done: number;
  readonly total: number;
}

export interface SeedReport {
  readonly users: number;
  readonly dossiers: number;
  readonly byType: Record<string, number>;
}

/**
 * Fills the database with the demo data of the installed preset: users, teams and `count`
 * main dossiers (contacts or participants) with everything around them. Re-running with the
 * same seed updates the same dossiers instead of adding new ones (they carry external ids).
 */
export async function seedDemo(
  werkflow: Werkflow,
  options: {
    count: number;
    seed?: number;
    onProgress?: (p: SeedProgress) => void;
  },
): Promise<SeedReport> {
  const key = (await werkflow.presets.installedKey()) ?? PRESETS[0]!.key;
  const preset = presetByKey(key)!;
  const today = new Date(werkflow.clock.now()).toISOString().slice(0, 10);
  const demo = preset.demoData({ count: options.count, seed: options.seed ?? 1, today });
  const total = demo.users.length + demo.dossiers.length;
  let done = 0;
  const report = (n: number) => {
    done += n;
    options.onProgress?.({ done, total });
  };
  // People first: they are referenced by user and team fields.
  const people = new Map<string, string>();
  const teamIds = new Map<string, string>();
  for (const name of demo.teams) {
    const existing = (await werkflow.dossiers.users.listTeams()).find((t) => t.name === name);
    const id = existing?.id ?? newId(werkflow.clock.now());
    if (!existing) await werkflow.dossiers.users.insertTeam({ id, name, createdAt: werkflow.clock.now() });
    teamIds.set(name, id);
    people.set(name, id);
  }
  for (const u of demo.users) {
    const existing = await werkflow.dossiers.users.getByEmail(u.email);
    const id = existing?.id ?? newId(werkflow.clock.now());
    if (!existing) {
      await werkflow.dossiers.users.insert({
        id,
        name: u.name,
        email: u.email,
        phone: u.phone,
        jobTitle: u.jobTitle,
        active: true,
        createdAt: werkflow.clock.now(),
      });
      // Demo colleagues handle actions and dossiers; they log in after a password reset.
      await werkflow.dossiers.users.setRoles(id, ['staff']);
    }
    for (const t of u.teams) await werkflow.dossiers.users.addMember(teamIds.get(t)!, id);
    people.set(u.key, id);
    report(1);
  }
  // Example e-mail templates and workflows first, so the demo dossiers trigger them.
  await installDemoWorkflows(werkflow, key);
  // Dossiers in waves: each wave holds those whose links are all created, written in bulk per type.
  const ids = new Map<string, string>();
  const byType: Record<string, number> = {};
  let remaining: DemoDossier[] = [...demo.dossiers];
  while (remaining.length > 0) {
    const ready = remaining.filter((d) => Object.values(d.links ?? {}).every((ref) => ids.has(ref)));
    if (ready.length === 0)
      throw new Error(`Demo data has links that cannot be resolved: ${remaining[0]!.ref}`);
    remaining = remaining.filter((d) => !ready.includes(d));
    const groups = new Map<string, DemoDossier[]>();
    for (const d of ready) groups.set(d.type, [...(groups.get(d.type) ?? []), d]);
    for (const [type, list] of groups) {
      for (let i = 0; i < list.length; i += 1000) {
        const chunk = list.slice(i, i + 1000);
        const items = chunk.map((d) => {
          const data: Record<string, unknown> = { ...d.data };
          for (const [field, ref] of Object.entries(d.links ?? {})) data[field] = ids.get(ref);
          for (const [field, person] of Object.entries(d.people ?? {})) data[field] = people.get(person);
          return { externalId: `demo:${d.ref}`, data };
        });
        const result = await werkflow.dossiers.upsertByExternalId(type, items, 'seed');
        chunk.forEach((d, j) => ids.set(d.ref, result.ids[j]!));
        byType[type] = (byType[type] ?? 0) + chunk.length;
        report(chunk.length);
      }
    }
  }
  // Workflows that name demo dossiers (the intake measures), once those exist.
  await installDemoDossierWorkflows(werkflow, key);
  return { users: demo.users.length, dossiers: demo.dossiers.length, byType };
}
