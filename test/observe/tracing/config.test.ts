import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../../src/config/issues.ts';
import { compilePlan } from '../../../src/config/plan.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { startTracing } from '../../../src/observe/tracing/tracing.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../../support/config.ts';

const dirs: { remove(): void }[] = [];
after(() => {
  for (const d of dirs) d.remove();
});

function compileWith(tracing: unknown) {
  const config = tempConfigDir({
    'portcullis.yaml': gatewayFile({
      upstreamUrl: 'http://127.0.0.1:9',
      extra: tracing === undefined ? {} : { tracing },
    }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets']),
  });
  dirs.push(config);
  return compilePlan(config.dir);
}

function issuesWith(tracing: unknown): ConfigIssue[] {
  try {
    compileWith(tracing);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.issues];
  }
  assert.fail('expected the configuration to be rejected');
}

describe('the tracing configuration', () => {
  test('is off by default, with the standard local collector and every trace sampled', () => {
    const { tracing } = compileWith(undefined).gateway;
    assert.deepEqual(tracing, {
      enabled: false,
      serviceName: 'portcullis',
      samplingRatio: 1,
      otlp: {
        endpoint: 'http://127.0.0.1:4318/v1/traces',
        headers: {},
        timeoutMs: 10000,
        intervalMs: 5000,
        maxQueueSize: 8192,
      },
    });
    assert.equal(startTracing(tracing, createLogger('silent')), undefined);
  });

  test('refuses credentials in the collector URL, at their key path', () => {
    const issues = issuesWith({
      enabled: true,
      otlp: { endpoint: 'http://user:pw@127.0.0.1:4318/v1/traces' },
    });
    assert.deepEqual(
      issues.map((i) => i.path),
      ['tracing.otlp.endpoint'],
    );
  });

  test('refuses a ratio outside 0..1, a header name that is not a token, and unknown keys', () => {
    const issues = issuesWith({
      samplingRatio: 1.5,
      otlp: { headers: { 'bad header': 'x' } },
      exporter: 'zipkin',
    });
    assert.deepEqual([...new Set(issues.map((i) => i.path))].sort(), [
      'tracing.exporter',
      'tracing.otlp.headers',
      'tracing.samplingRatio',
    ]);
  });

  test('refuses a header value that would split the request', () => {
    const issues = issuesWith({ otlp: { headers: { authorization: 'Bearer x\r\nHost: evil' } } });
    assert.deepEqual(
      issues.map((i) => i.path),
      ['tracing.otlp.headers.authorization'],
    );
  });
});
