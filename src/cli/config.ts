import { join, resolve } from 'node:path';

/** Where the database lives: DATABASE_URL (postgres://…) wins, else a SQLite file in the data dir. */
export function databaseUrl(dataDir: string): string {
  const url = process.env.DATABASE_URL;
  if (url && url.length > 0) return url;
  return join(resolve(dataDir), 'werkflow.db');
}

export function defaultDataDir(): string {
  return process.env.WERKFLOW_DATA_DIR ?? './data';
}

export function defaultPort(): number {
  const raw = process.env.PORT;
  if (raw === undefined || raw === '') return 3000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a number from 0 to 65535, not "${raw}".`);
  }
  return port;
}
