import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ConfigIssue } from './issues.ts';

/** Operators' Cedar policies live under this folder of the configuration directory. */
export const POLICIES_DIR = 'policies';

/** A `.cedar` file as read, before Cedar parses it. */
export interface PolicyFile {
  /** Path relative to the configuration directory, with `/` separators. */
  readonly file: string;
  readonly text: string;
}

/** Every `.cedar` file under `policies/`, at any depth, in a stable order. */
export function readPolicyFiles(dir: string, issues: ConfigIssue[]): PolicyFile[] {
  let entries: string[];
  try {
    entries = readdirSync(join(dir, POLICIES_DIR), { recursive: true, encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      issues.push({ file: POLICIES_DIR, line: 1, column: 1, path: '', message: 'directory not readable' });
    }
    return [];
  }
  const files: PolicyFile[] = [];
  for (const entry of entries.filter((e) => e.endsWith('.cedar')).sort()) {
    const path = join(dir, POLICIES_DIR, entry);
    const file = relative(dir, path).split('\\').join('/');
    try {
      files.push({ file, text: readFileSync(path, 'utf8') });
    } catch {
      issues.push({ file, line: 1, column: 1, path: '', message: 'file not readable' });
    }
  }
  return files;
}
