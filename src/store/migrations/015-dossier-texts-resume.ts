import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/** The settings key of an unfinished fill of the stored titles and search texts: `{ after: <last id done> }`. */
export const DOSSIER_TEXTS_BACKFILL = 'backfill.dossierTexts';

/**
 * The stored titles and search texts of migration 012 are filled by Werkflow.open after the
 * migrations (they need the dossier types' title rules). That fill was run only by the process
 * that applied 012: one that died midway left the rest without texts for good. From here on the
 * fill is resumable: a settings entry (`backfill.dossierTexts`, the last id done) says a fill is
 * unfinished; every open that finds it continues from there, moving it on with each batch in the
 * batch's transaction, and removes it when done. This migration writes the entry when any dossier
 * has no title yet: right after 012 (every dossier), or where an earlier fill died.
 */
export const dossierTextsResumeMigration: Migration = {
  id: 15,
  name: '015-dossier-texts-resume',
  async up(trx, adapter) {
    const untitled = await sql`select id from dossiers where title_nl is null limit 1`.execute(trx);
    if (untitled.rows.length === 0) return;
    await sql`insert into settings (key, value) values (${DOSSIER_TEXTS_BACKFILL}, ${adapter.toJson({ after: '' })})
      on conflict (key) do nothing`.execute(trx);
  },
};
