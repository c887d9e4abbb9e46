import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Names the directory where this test run collects every log line the gateway wrote and
 * every secret the tests made. `npm test` sets it (`test/support/log-scan.ts`, the global
 * setup) and scans the directory once every suite has finished; a single test file run
 * without it collects nothing.
 */
export const TEST_LOG_DIR_ENV = 'PORTCULLIS_TEST_LOG_DIR';

/** API keys as the CLI prints them; the part after the id is the secret. */
export const API_KEY_TEXT = /ptc_[a-z2-7]{12}_([A-Za-z0-9_-]{43})/g;

/** Shorter values would match by chance. */
const MIN_SECRET_LENGTH = 8;

const dir = process.env[TEST_LOG_DIR_ENV];
const logFile = dir === undefined ? undefined : join(dir, `logs-${process.pid}.jsonl`);
const secretsFile = dir === undefined ? undefined : join(dir, `secrets-${process.pid}.txt`);

/** Appends log lines the gateway wrote to this run's collection. */
export function collectTestLogs(lines: readonly string[]): void {
  if (logFile === undefined || lines.length === 0) return;
  appendFileSync(logFile, `${lines.join('\n')}\n`);
}

/**
 * Records secrets a test made (API keys, passwords, tokens, client secrets): no log line
 * of the run may contain any of them. Call it wherever a test creates one.
 */
export function recordTestSecret(...secrets: string[]): void {
  if (secretsFile === undefined) return;
  const kept = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH && !s.includes('\n'));
  if (kept.length > 0) appendFileSync(secretsFile, `${kept.join('\n')}\n`);
}

/** Records the secret part of every API key in `text` (what the CLI printed, say). */
export function recordApiKeysIn(text: string): void {
  recordTestSecret(...Array.from(text.matchAll(API_KEY_TEXT), (m) => m[1]!));
}
