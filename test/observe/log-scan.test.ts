import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { createLogger } from '../../src/observe/logger.ts';
import { generateApiKey } from '../../src/services/keys/format.ts';
import { scanTestLogs } from '../support/log-scan.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A collection directory as a test run leaves it, written by `log` through `logger`. */
function collection(makeLogger: (sink: Writable) => pino.Logger, secrets: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-scan-test-'));
  dirs.push(dir);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = makeLogger(sink);
  const key = generateApiKey().key;
  logger.info({ headers: { authorization: `Bearer ${secrets[0]}` }, note: `key ${key}` }, 'request');
  writeFileSync(join(dir, 'logs-1.jsonl'), lines.join(''));
  writeFileSync(join(dir, 'secrets-1.txt'), `${secrets.join('\n')}\n`);
  return dir;
}

describe('the suite-wide log scan', () => {
  test('finds a recorded secret and a whole API key that a logger without redaction wrote', () => {
    const canary = `canary-${crypto.randomUUID()}`;
    const report = scanTestLogs(collection((sink) => pino(sink), [canary]));
    assert.equal(report.lines, 1);
    assert.equal(report.secrets, 1);
    assert.deepEqual(
      report.leaks.map((l) => l.what.split(' ')[0]),
      ['cana…(43', 'API'],
    );
  });

  test('finds nothing in what the production logger wrote', () => {
    const canary = `canary-${crypto.randomUUID()}`;
    const report = scanTestLogs(collection((sink) => createLogger('info', sink), [canary]));
    assert.equal(report.lines, 1);
    assert.deepEqual(report.leaks, []);
  });
});
