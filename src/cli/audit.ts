import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LogBackend } from '../audit/backend.ts';
import { loadPublicKeys, publicKeyPath } from '../audit/keys.ts';
import { auditPaths, openLogBackend } from '../audit/open.ts';
import { type VerifyReport, verifyLog } from '../audit/verify.ts';
import { readWitness } from '../audit/witness.ts';
import { compilePlan } from '../config/plan.ts';
import { type CliIO, EXIT_FAILED, EXIT_OK, parseCommandArgs, UsageError } from './io.ts';
import { QUICKSTART_DIR } from './quickstart.ts';

export const AUDIT_USAGE = [
  'portcullis audit verify [--config DIR] [--public-key FILE]... [--json]',
  'portcullis audit export [--config DIR] [--from SEQ]',
].join('\n');

const EXPORT_PAGE = 5000;

/** `portcullis audit verify|export`: checks the audit log offline, or writes it as JSON lines. */
export async function auditCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseCommandArgs(rest, {
    config: { type: 'string', default: QUICKSTART_DIR },
    'public-key': { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
    from: { type: 'string', default: '0' },
  });
  if (sub !== 'verify' && sub !== 'export') {
    throw new UsageError(
      `unknown audit subcommand ${sub === undefined ? '(none)' : `"${sub}"`}\n${AUDIT_USAGE}`,
    );
  }
  const plan = compilePlan(values.config);
  const audit = plan.gateway.audit;
  if (plan.gateway.store.kind === 'memory' && audit.postgres === undefined)
    throw new UsageError('the audit log of a memory store lives only in the gateway process');
  const backend = openLogBackend(plan.gateway.store, audit, plan.dir);
  try {
    if (sub === 'export') return await exportLog(backend, Number(values.from), io);
    const paths = auditPaths(audit, plan.dir);
    const pinned = values['public-key']?.map((p) => resolve(p));
    const own = existsSync(publicKeyPath(paths.signingKey))
      ? publicKeyPath(paths.signingKey)
      : paths.signingKey;
    // With no key at all (no head was ever signed here), any head found is reported as invalid.
    const keyFiles = pinned ?? [...(existsSync(own) ? [own] : []), ...paths.trustedKeys];
    const witness = readWitness(paths.witness);
    const report = await verifyLog(backend, witness.heads, loadPublicKeys(keyFiles));
    io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : describe(report, witness.unreadable));
    return report.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    await backend.close();
  }
}

async function exportLog(backend: LogBackend, from: number, io: CliIO): Promise<number> {
  if (!Number.isSafeInteger(from) || from < 0) throw new UsageError('--from must be an event number');
  for (let next = from; ; ) {
    const page = await backend.leaves(next, EXPORT_PAGE);
    if (page.length > 0) io.stdout.write(`${page.map((l) => l.leaf).join('\n')}\n`);
    if (page.length < EXPORT_PAGE) return EXIT_OK;
    next = page.at(-1)!.seq + 1;
  }
}

function describe(report: VerifyReport, unreadableWitnessLines: number): string {
  const lines: string[] = [];
  if (report.problem !== undefined) {
    lines.push(`TAMPERED (${report.problem.kind}): ${report.problem.message}`);
  } else {
    const latest = report.latest;
    lines.push(
      `ok: ${report.events} events, ${report.heads} signed head(s) verified` +
        (latest === undefined
          ? ''
          : `; latest covers ${latest.size} events, signed ${new Date(latest.at).toISOString()} by key ${latest.key}`),
    );
  }
  if (report.unsigned > 0)
    lines.push(`note: the newest ${report.unsigned} event(s) are not yet covered by a signed head`);
  if (unreadableWitnessLines > 0)
    lines.push(`note: ${unreadableWitnessLines} witness line(s) could not be read`);
  return `${lines.join('\n')}\n`;
}
