import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The partner names of a many-partner configuration: `p00000`, `p00001`, … */
export function partnerName(index: number): string {
  return `p${String(index).padStart(5, '0')}`;
}

/**
 * `count` partner contracts on the `orders` API, with the grant conditions real contracts
 * carry: scopes on half of them, source networks on a third, a time window on a fifth.
 */
export function writePartnerContracts(dir: string, count: number): void {
  mkdirSync(join(dir, 'contracts'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const partner = partnerName(i);
    const grant = {
      api: 'orders',
      operations: ['getOrder', 'createOrder'],
      scopes: i % 2 === 0 ? [] : ['orders:read'],
      networks: i % 3 === 0 ? ['127.0.0.0/8', '10.0.0.0/8'] : [],
      timeWindows:
        i % 5 === 0
          ? [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }]
          : [],
    };
    writeFileSync(
      join(dir, 'contracts', `${partner}.yaml`),
      stringify({ version: 1, partner, grants: [grant] }),
    );
  }
}

/**
 * Operators' policies: global guards every request is checked against, and a policy of
 * its own for every tenth partner (which slicing keeps away from the others).
 */
export function writeOperatorPolicies(dir: string, partners: number): void {
  mkdirSync(join(dir, 'policies'), { recursive: true });
  writeFileSync(
    join(dir, 'policies', 'guards.cedar'),
    [
      '@id("risky") forbid (principal, action, resource) when { context.riskScore >= 90 };',
      '@id("no-cards") forbid (principal, action == Portcullis::Action::"orders:createOrder", resource)',
      '  when { context.dataClasses.contains("pii.card") };',
      '@id("networks") forbid (principal, action in Portcullis::Action::"orders", resource)',
      '  unless { context.clientIp.isLoopback() || context.clientIp.isInRange(ip("10.0.0.0/8")) };',
    ].join('\n'),
  );
  const own = [];
  for (let i = 0; i < partners; i += 10) {
    own.push(
      `@id("${partnerName(i)}-night") forbid (principal in Portcullis::Partner::"${partnerName(i)}", action, resource) when { context.time.minuteOfDay < 30 && context.riskScore > 50 };`,
    );
  }
  writeFileSync(join(dir, 'policies', 'partners.cedar'), own.join('\n'));
}
