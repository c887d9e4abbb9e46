import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { problemJson } from '../../src/http/problem.ts';
import { PROBLEM_CODES } from '../../src/http/problem-codes.ts';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('problem codes', () => {
  test('every code is documented in docs/errors.md with its status', () => {
    for (const [code, info] of Object.entries(PROBLEM_CODES)) {
      const heading = new RegExp(`^### \`${code}\` \\(${info.status}\\)$`, 'm');
      assert.match(docs, heading, `docs/errors.md lacks "### \`${code}\` (${info.status})"`);
    }
  });

  test('docs/errors.md documents no code that does not exist', () => {
    const documented = [...docs.matchAll(/^### `([a-z_]+)`/gm)].map((m) => m[1]!);
    assert.deepEqual(
      documented.filter((c) => !(c in PROBLEM_CODES)),
      [],
    );
  });

  test('a problem body is RFC 9457 with the stable code and decision id, and nothing else', () => {
    const body = JSON.parse(
      problemJson({ code: 'route_not_found', decisionId: 'd-1', detail: 'x' }, 'https://t/#'),
    );
    assert.deepEqual(body, {
      type: 'https://t/#route_not_found',
      title: 'No such route',
      status: 404,
      code: 'route_not_found',
      detail: 'x',
      decision_id: 'd-1',
    });
  });
});
