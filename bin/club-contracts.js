#!/usr/bin/env node
// The operator's CLI (see src/cli.ts), runnable wherever the package is installed.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
