import type { PolicyJson } from './cedar.ts';

/**
 * The request context attributes, as bits. A slice sends Cedar only the attributes its
 * policies read, and keys its decisions on them alone: each attribute costs a few
 * microseconds to hand to Cedar, and an attribute no policy reads (the client address,
 * the time) would only split the cache.
 */
export const READS = {
  scopes: 1,
  mtls: 2,
  clientIp: 4,
  time: 8,
  dataClasses: 16,
  riskScore: 32,
} as const;

export const READS_ALL = 63;

/** The context attributes a policy reads (with `.` or `has`); all of them if it uses `context` whole. */
export function contextReads(policy: PolicyJson): number {
  let reads = 0;
  const visit = (node: unknown): void => {
    if (reads === READS_ALL || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const record = node as Record<string, unknown>;
    const access = (record['.'] ?? record.has) as { left: unknown; attr: string | string[] } | undefined;
    if (access !== undefined && isContext(access.left)) {
      const attr = Array.isArray(access.attr) ? access.attr[0]! : access.attr;
      reads |= READS[attr as keyof typeof READS] ?? 0;
      return;
    }
    if (isContext(record)) {
      reads = READS_ALL;
      return;
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(policy.conditions);
  return reads;
}

function isContext(node: unknown): boolean {
  return (node as { Var?: unknown } | null)?.Var === 'context';
}
