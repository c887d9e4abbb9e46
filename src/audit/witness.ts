import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SignedHead } from './head.ts';

/**
 * A witness file: every signed head, one JSON line each, written outside the store. An
 * operator who can rewrite the database but not this file cannot cut the newest events
 * off unnoticed; point it at storage the database's operators cannot change.
 */
export function appendWitness(path: string, head: SignedHead): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendFileSync(path, `${JSON.stringify(head)}\n`, { mode: 0o600 });
}

/** The heads in a witness file; a missing file holds none. Lines that do not parse are skipped and counted. */
export function readWitness(path: string): { heads: SignedHead[]; unreadable: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { heads: [], unreadable: 0 };
    throw error;
  }
  const heads: SignedHead[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      heads.push(JSON.parse(line) as SignedHead);
    } catch {
      unreadable++;
    }
  }
  return { heads, unreadable };
}
