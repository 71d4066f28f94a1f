/**
 * The browser UI: `/` (index.html), `/app.js` (the TypeScript under src/web/app: bundled by
 * `npm run build` into dist/web/static/app.js, or — running from source — in-process with esbuild
 * at server start and kept in memory) and `/app.css`. Every other GET outside /api
 * answers index.html, so the UI's deep links (`/actions`, `/templates/…`) survive a reload;
 * unknown /api routes keep their JSON 404.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { WerkflowError } from '../domain/errors.js';
import type { Werkflow } from '../engine/werkflow.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ENTRY = here('./app/main.ts');
const STATIC = {
  html: here('./static/index.html'),
  css: here('./static/app.css'),
  js: here('./static/app.js'),
};

/**
 * Bundles the browser code (src/web/app) into one minified ES module; `npm run build` writes it
 * to dist/web/static/app.js. esbuild is a development dependency: it is loaded only here.
 */
export async function bundleBrowserApp(entry: string = ENTRY): Promise<string> {
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  return bundle.outputFiles[0]!.text;
}

interface Assets {
  readonly html: string;
  readonly css: string;
  readonly js: string;
}

let assets: Promise<Assets> | undefined;

/** Bundles the browser code once per process; later servers (tests) share the result. */
function loadAssets(): Promise<Assets> {
  assets ??= (async () => {
    const [html, css, js] = await Promise.all([
      readFile(STATIC.html, 'utf8'),
      readFile(STATIC.css, 'utf8'),
      // Compiled (dist/): the bundle made by the build; from source: bundled now.
      existsSync(STATIC.js) ? readFile(STATIC.js, 'utf8') : bundleBrowserApp(),
    ]);
    return { html, css, js };
  })();
  // A failed build is retried by the next request instead of being cached for good.
  assets.catch(() => (assets = undefined));
  return assets;
}

/**
 * The page may load only its own script and styles; e-mail HTML (shown in `sandbox=""` frames,
 * which inherit this policy) keeps its inline styles but loads nothing from elsewhere.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-src 'self' about:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async function send(reply: FastifyReply, kind: keyof Assets, type: string) {
  const a = await loadAssets();
  reply
    .header('Content-Type', type)
    .header('Cache-Control', 'no-cache')
    .header('X-Content-Type-Options', 'nosniff');
  if (kind === 'html') reply.header('Content-Security-Policy', CSP).header('Referrer-Policy', 'same-origin');
  return reply.send(a[kind]);
}

const options = { config: { permission: 'public' as const }, schema: { hide: true } };

export function webRoutes(app: FastifyInstance, _werkflow: Werkflow): void {
  void loadAssets().catch((error: unknown) => app.log.error({ err: error }, 'bundling the web UI failed'));
  app.get('/', options, (_request, reply) => send(reply, 'html', 'text/html; charset=utf-8'));
  app.get('/app.js', options, (_request, reply) => send(reply, 'js', 'text/javascript; charset=utf-8'));
  app.get('/app.css', options, (_request, reply) => send(reply, 'css', 'text/css; charset=utf-8'));
  // Deep links of the single-page app. /api stays the API's: an unknown API route is a JSON 404.
  app.get('/*', options, (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (path === '/api' || path.startsWith('/api/')) {
      throw new WerkflowError('not_found', `No route ${request.method} ${path}. See /api/docs for the API.`);
    }
    return send(reply, 'html', 'text/html; charset=utf-8');
  });
}
