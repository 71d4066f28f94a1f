#!/usr/bin/env node
// Entry point of the `werkflow` command: runs the compiled code in dist/ (`npm run build`, also
// run by `npm install`). In a development checkout without dist/, or with WERKFLOW_FROM_SOURCE=1,
// it runs the TypeScript sources through tsx (a development dependency) instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.WERKFLOW_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error('werkflow: dist/ is missing and tsx is not installed. Run `npm run build` first.');
    process.exit(2);
  }
  tsx.register();
  await import('../src/cli/main.ts');
}
