/**
 * Which errors say the database connection failed (worth trying again when the server is back)
 * and which say a statement was wrong: `isConnectionFailure`, used to retry recording webhook
 * outcomes through a PostgreSQL restart.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { isConnectionFailure } from '../../src/store/database.js';
import { freePorts } from '../support/private-postgres.js';

const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('isConnectionFailure', () => {
  it.each([
    ['socket refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['socket reset', coded('ECONNRESET')],
    ['connection exception (08006)', coded('08006', 'connection failure')],
    ['admin shutdown (57P01)', coded('57P01', 'terminating connection due to administrator command')],
    [
      'crash shutdown (57P02)',
      coded('57P02', 'terminating connection because of crash of another server process'),
    ],
    ['starting up (57P03)', coded('57P03', 'the database system is starting up')],
    ['the driver lost the connection', new Error('Connection terminated unexpectedly')],
    ['wrapped in a cause', new Error('Unexpected error', { cause: coded('ECONNREFUSED') })],
  ])('%s: yes', (_, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ['syntax error (42601)', coded('42601', 'syntax error at or near "selec"')],
    ['unique violation (23505)', coded('23505')],
    ['serialization failure (40001)', coded('40001')],
    ['query canceled (57014)', coded('57014')],
    ['a plain error', new Error('Template version 3 of t1 is gone.')],
    ['not an error', 'ECONNREFUSED'],
    ['undefined', undefined],
  ])('%s: no', (_, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });

  it('a real connection to a port where no server listens', async () => {
    const port = (await freePorts().next()).value!;
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    const error = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isConnectionFailure(error)).toBe(true);
  });
});
