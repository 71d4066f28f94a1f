// Opens the database given as JSON in argv[2], migrates it, prints the report as JSON.
// Used by the concurrent-migration test to start several real processes at once.
import { openStore } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrator.js';
import { systemClock } from '../../src/engine/clock.js';

const store = await openStore(JSON.parse(process.argv[2]!));
try {
  const report = await migrate(store, systemClock);
  process.stdout.write(JSON.stringify(report));
} finally {
  await store.close();
}
