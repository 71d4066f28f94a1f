#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm install` runs it): compiles src/ into dist/ with tsc,
// bundles the browser UI into dist/web/static/app.js and app.css and copies the static files next to it.
// `werkflow` (bin/werkflow.js) then runs dist/ with plain Node; the tests keep running src/.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const require = createRequire(import.meta.url);

rmSync(at('dist'), { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

cpSync(at('src/web/static'), at('dist/web/static'), { recursive: true });
// The bundler lives in the compiled web module; it is given the source entry point.
const { bundleBrowserApp } = await import('../dist/web/web.routes.js');
const ui = await bundleBrowserApp(at('src/web/app/main.tsx'));
writeFileSync(at('dist/web/static/app.js'), ui.js);
writeFileSync(at('dist/web/static/app.css'), ui.css);
console.log('Built dist/ (server) and dist/web/static/app.js and app.css (browser UI).');
