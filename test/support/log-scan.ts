import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY_TEXT, TEST_LOG_DIR_ENV } from './secrets.ts';

/** Text that is a secret by its shape alone, whether or not a test recorded it. */
const SECRET_SHAPES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'API key', pattern: API_KEY_TEXT },
  { name: 'JWT', pattern: /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g },
];

export interface LeakedSecret {
  readonly file: string;
  readonly line: number;
  /** The secret, shortened so the report does not repeat it whole. */
  readonly what: string;
}

export interface ScanReport {
  readonly lines: number;
  readonly secrets: number;
  readonly leaks: readonly LeakedSecret[];
}

const shorten = (secret: string) => `${secret.slice(0, 4)}…(${secret.length} chars)`;

/**
 * Looks through every log line collected in `dir` for every secret recorded there and for
 * secret-shaped text: a whole API key, a JWT.
 */
export function scanTestLogs(dir: string): ScanReport {
  const files = readdirSync(dir);
  const secrets = new Set<string>();
  for (const f of files.filter((f) => f.startsWith('secrets-'))) {
    for (const s of readFileSync(join(dir, f), 'utf8').split('\n')) if (s !== '') secrets.add(s);
  }
  const leaks: LeakedSecret[] = [];
  let lines = 0;
  for (const file of files.filter((f) => f.startsWith('logs-'))) {
    const text = readFileSync(join(dir, file), 'utf8').split('\n');
    for (const [index, line] of text.entries()) {
      if (line === '') continue;
      lines++;
      for (const secret of secrets) {
        if (line.includes(secret)) leaks.push({ file, line: index + 1, what: shorten(secret) });
      }
      for (const { name, pattern } of SECRET_SHAPES) {
        for (const m of line.matchAll(pattern)) {
          leaks.push({ file, line: index + 1, what: `${name} ${shorten(m[0])}` });
        }
      }
    }
  }
  return { lines, secrets: secrets.size, leaks };
}

let dir: string | undefined;
let scanned = false;

/** `node --test --test-global-setup`: one collection directory for the whole run. */
export function globalSetup(): void {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-test-logs-'));
  process.env[TEST_LOG_DIR_ENV] = dir;
}

/** Fails the run if any secret made during it reached a log line. */
export function globalTeardown(): void {
  if (dir === undefined || scanned) return;
  scanned = true;
  const report = scanTestLogs(dir);
  if (report.leaks.length === 0) {
    process.stderr.write(
      `log secret scan: ${report.lines} log lines, ${report.secrets} test secrets, none logged\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  for (const leak of report.leaks) {
    process.stderr.write(`SECRET LOGGED: ${leak.what} in ${join(dir, leak.file)}:${leak.line}\n`);
  }
  process.exitCode = 1;
  throw new Error(`${report.leaks.length} secret(s) reached the logs during the test run; see above`);
}
