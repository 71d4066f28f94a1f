import type { DossierType } from '../domain/dossier-type.js';
import { WerkflowError } from '../domain/errors.js';
import { PRESETS, presetByKey } from '../domain/presets/index.js';
import type { Store } from '../store/database.js';
import { SettingsRepository } from '../store/settings.repository.js';

/**
 * Presets (src/domain/presets/): the dossier types of an energy cooperative, a training
 * institute, …, installed into a database by key; the installed key is remembered in `settings`
 * so the demo seeding knows which data to write.
 */
export class PresetService {
  private readonly settings: SettingsRepository;

  constructor(
    store: Store,
    private readonly saveDossierTypes: (
      types: readonly DossierType[],
      preset: string | null,
    ) => Promise<void>,
  ) {
    this.settings = new SettingsRepository(store);
  }

  /** Installs (or updates) the dossier types of a preset. */
  async install(key: string): Promise<void> {
    const preset = presetByKey(key);
    if (!preset) {
      throw new WerkflowError(
        'validation_failed',
        `Unknown preset "${key}". Choose one of: ${PRESETS.map((p) => p.key).join(', ')}.`,
        {
          path: 'preset',
        },
      );
    }
    await this.saveDossierTypes(preset.dossierTypes, preset.key);
    await this.settings.set('preset', preset.key);
  }

  /** The installed preset's key, or null when dossier types were set up by hand. */
  async installedKey(): Promise<string | null> {
    return (await this.settings.get<string>('preset')) ?? null;
  }
}
