#!/usr/bin/env node
// Launcher for the keywarden CLI: loads tsx's ESM hooks, then runs the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('../controller/cli/main.ts');
