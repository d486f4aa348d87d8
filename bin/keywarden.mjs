#!/usr/bin/env node
// Launcher for the keywarden CLI: loads tsx's ESM hooks, then runs the TypeScript entry point.
// The runtime check first: on a Node older than engines it says so and how to fix it.
import '../controller/check-node-runtime.mjs';
import { register } from 'tsx/esm/api';

register();
await import('../controller/cli/main.ts');
