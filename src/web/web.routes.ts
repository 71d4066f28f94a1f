/**
 * The browser UI: `/` (index.html), `/app.js` and `/app.css` (the React/TSX app under src/web/app
 * with Mantine's styles: bundled by `npm run build` into dist/web/static/, or — running from
 * source — in-process with esbuild at server start and kept in memory). Every other GET outside /api
 * answers index.html, so the UI's deep links (`/actions`, `/templates/…`) survive a reload;
 * unknown /api routes keep their JSON 404.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { TypedApp } from '../api/fastify-types.js';
import { WerkflowError } from '../domain/errors.js';
import type { Werkflow } from '../engine/werkflow.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ENTRY = here('./app/main.tsx');
const STATIC = {
  html: here('./static/index.html'),
  css: here('./static/app.css'),
  js: here('./static/app.js'),
};

/**
 * Bundles the browser code (src/web/app) into one minified ES module and its CSS (Mantine's styles
 * and app.css); `npm run build` writes them to dist/web/static/. esbuild is a development
 * dependency: it is loaded only here.
 */
export async function bundleBrowserApp(entry: string = ENTRY): Promise<{ js: string; css: string }> {
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    // Not written: `outdir` only names the two outputs (main.js and the CSS it imports).
    outdir: '/werkflow-ui',
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const output = (ext: string) => bundle.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: output('.js'), css: output('.css') };
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
    // Compiled (dist/): the bundle made by the build; from source: bundled now.
    const built = existsSync(STATIC.js) && existsSync(STATIC.css);
    const [html, bundle] = await Promise.all([
      readFile(STATIC.html, 'utf8'),
      built
        ? Promise.all([readFile(STATIC.js, 'utf8'), readFile(STATIC.css, 'utf8')]).then(([js, css]) => ({
            js,
            css,
          }))
        : bundleBrowserApp(),
    ]);
    return { html, ...bundle };
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

export function webRoutes(app: TypedApp, _werkflow: Werkflow): void {
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
