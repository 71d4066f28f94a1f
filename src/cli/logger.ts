import { pino, type Logger as Pino, levels } from 'pino';
import { WerkflowError } from '../domain/errors.js';

/**
 * The process log (pino, Fastify's own logger): JSON lines on stdout, one object per line, at
 * the level LOG_LEVEL names (fatal, error, warn, info — the default —, debug, trace, silent).
 * In a terminal the lines are made readable by pino-pretty when it is installed (a development
 * dependency; production installs write JSON). WERKFLOW_LOG_FORMAT=json forces JSON in a terminal.
 */
export async function createLogger(env: NodeJS.ProcessEnv = process.env): Promise<Pino> {
  const level = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (level !== 'silent' && !(level in levels.values)) {
    throw new WerkflowError(
      'configuration',
      `LOG_LEVEL "${env.LOG_LEVEL}" is not a level: use fatal, error, warn, info, debug, trace or silent.`,
    );
  }
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (process.stdout.isTTY && env.WERKFLOW_LOG_FORMAT !== 'json') {
    const pretty = await import('pino-pretty').catch(() => null);
    if (pretty)
      return pino(
        options,
        pretty.default({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
      );
  }
  return pino(options);
}
