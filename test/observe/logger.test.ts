import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateApiKey } from '../../src/services/keys/format.ts';
import { captureLogger } from '../support/gateway.ts';
import { recordTestSecret } from '../support/secrets.ts';

/** Canaries: secrets that only this test knows, recorded so the suite-wide scan looks for them too. */
function canaries() {
  const apiKey = generateApiKey().key;
  const c = {
    apiKey,
    apiKeySecret: apiKey.slice(17),
    bearer: `canary-bearer-${crypto.randomUUID()}`,
    cookie: `canary-cookie-${crypto.randomUUID()}`,
    password: `canary-password-${crypto.randomUUID()}`,
    dbPassword: `canaryDbPw${crypto.randomUUID().slice(0, 8)}`,
    jwt: `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.${crypto.randomUUID().replaceAll('-', '')}`,
    nested: `canary-nested-${crypto.randomUUID()}`,
  };
  recordTestSecret(...Object.values(c));
  return c;
}

function assertNoneLogged(lines: string[], secrets: Record<string, string>): void {
  assert.ok(lines.length > 0, 'nothing was logged');
  const all = lines.join('\n');
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(!all.includes(value), `the ${name} canary was logged: ${all}`);
  }
}

describe('the production logger', () => {
  test('redacts credential fields wherever they sit', () => {
    const c = canaries();
    const { logger, lines } = captureLogger();
    logger.info(
      {
        headers: { authorization: `Bearer ${c.bearer}`, cookie: c.cookie, 'x-api-key': c.apiKey },
        req: { headers: { 'proxy-authorization': c.password, 'set-cookie': c.cookie } },
        user: { password: c.password, profile: { token: c.nested } },
        apiKey: c.apiKey,
      },
      'a careless log call',
    );
    assertNoneLogged(lines, c);
    const line = JSON.parse(lines[0]!) as { headers: Record<string, string>; user: { password: string } };
    assert.equal(line.headers.authorization, '[redacted]');
    assert.equal(line.user.password, '[redacted]');
  });

  test('keeps secret-shaped text out of messages, whatever the field', () => {
    const c = canaries();
    const { logger, lines } = captureLogger();
    logger.warn({ note: `caller sent ${c.apiKey}`, url: `postgres://portcullis:${c.dbPassword}@db/x` }, 'x');
    logger.error(`token ${c.jwt} and header Authorization: Bearer ${c.bearer}`);
    assertNoneLogged(lines, c);
    const id = c.apiKey.slice(4, 16);
    assert.ok(lines[0]!.includes(`ptc_${id}_[redacted]`), 'the key id should stay for correlation');
    assert.ok(lines[1]!.includes('Bearer [redacted]'));
  });

  test('logs an error by type, message, code, stack and cause, never its other properties', () => {
    const c = canaries();
    const { logger, lines } = captureLogger();
    const cause = Object.assign(new Error(`connect failed for ${c.apiKey}`), {
      code: 'ECONNREFUSED',
      config: { headers: { authorization: c.bearer } },
    });
    const error = Object.assign(new Error('upstream call failed', { cause }), {
      request: { headers: { cookie: c.cookie } },
      response: { body: c.nested },
      payload: { sub: c.password },
    });
    logger.error({ err: error }, 'internal error');
    logger.error(new AggregateError([cause], 'several'));
    assertNoneLogged(lines, c);
    const logged = JSON.parse(lines[0]!) as {
      err: Record<string, unknown> & { cause: Record<string, unknown> };
    };
    assert.deepEqual(Object.keys(logged.err).sort(), ['cause', 'message', 'stack', 'type']);
    assert.equal(logged.err.cause.code, 'ECONNREFUSED');
    assert.equal(logged.err.cause.config, undefined);
  });
});
