#!/usr/bin/env node
// The `portcullis` command. Portcullis runs on Node 24 (TypeScript type stripping,
// node:sqlite). When an older system Node starts this file (a bin script called straight
// from a shell), re-run it with the Node 24 that the package depends on.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2), process);
} else {
  const require = createRequire(import.meta.url);
  const node = join(dirname(require.resolve('node/package.json')), 'bin', 'node');
  const child = spawn(node, [process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}
