import type { Dossier } from '../domain/dossier.js';
import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import { resolverFromDossiers } from '../domain/condition/index.js';
import type { Db } from '../store/database.js';
import type { DossierRepository } from '../store/dossier.repository.js';

/**
 * Loads the dossiers that reference paths lead to, a level at a time and in batches, and keeps
 * them for the rest of one operation, so conditions can then be evaluated synchronously and
 * each referenced dossier is read at most once.
 */
export class DossierGraph {
  private readonly byId = new Map<string, Dossier | null>();

  constructor(
    private readonly repo: DossierRepository,
    private readonly db: Db,
    private readonly catalog: DossierTypeCatalog,
  ) {}

  add(dossiers: readonly Dossier[]): void {
    for (const d of dossiers) this.byId.set(d.id, d);
  }

  get(id: string): Dossier | undefined {
    return this.byId.get(id) ?? undefined;
  }

  /** Loads dossiers by id that are not loaded yet. */
  async load(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.byId.has(id));
    if (missing.length === 0) return;
    const found = await this.repo.getMany(missing, this.db);
    for (const id of missing) this.byId.set(id, null);
    this.add(found);
  }

  /** Loads, for every root, the dossiers along every chain (e.g. ['opportunity', 'intake', 'contact']). */
  async preload(roots: readonly Dossier[], chains: readonly (readonly string[])[]): Promise<void> {
    this.add(roots);
    const maxDepth = Math.max(0, ...chains.map((c) => c.length));
    for (let depth = 0; depth < maxDepth; depth++) {
      const ids: string[] = [];
      for (const root of roots) {
        for (const chain of chains) {
          if (chain.length <= depth) continue;
          let current: Dossier | undefined = root;
          for (let i = 0; i < depth && current; i++) {
            const next: unknown = current.data[chain[i]!];
            current = typeof next === 'string' ? this.get(next) : undefined;
          }
          const id = current?.data[chain[depth]!];
          if (typeof id === 'string') ids.push(id);
        }
      }
      await this.load(ids);
    }
  }

  /** The resolver evaluateCondition needs, for one root dossier. */
  resolverFor(root: Dossier) {
    const type = this.catalog.get(root.type);
    if (!type) return () => null;
    return resolverFromDossiers(type, this.catalog, root.data, (id) => this.get(id));
  }

  /** The data at the end of a dotted path of reference fields, or null. */
  follow(root: Dossier, chain: readonly string[]): Dossier | null {
    let current: Dossier | undefined = root;
    for (const seg of chain) {
      const id: unknown = current?.data[seg];
      current = typeof id === 'string' ? this.get(id) : undefined;
      if (!current) return null;
    }
    return current ?? null;
  }
}
