#!/usr/bin/env node
// Entry point of the `werkflow` command. The sources are TypeScript; tsx compiles them on load,
// so a fresh `npm install` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
