import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type OperationSpec, parseTemplate } from '../../../src/config/openapi.ts';
import { HostRoutes, type RouteMatch, RouteTable } from '../../../src/pipeline/route/router.ts';

function routesOf(templates: [string, string, string][]): HostRoutes {
  const routes = new HostRoutes();
  for (const [method, template, id] of templates) {
    const segments = parseTemplate(template);
    assert.ok(Array.isArray(segments));
    const operation = { id, method, template, segments, definition: {}, pathParameters: [] } as OperationSpec;
    const names = segments.flatMap((s) =>
      s.kind === 'param' ? [s.name] : s.kind === 'pattern' ? s.names : [],
    );
    routes.add(segments, method, { api: 'a', operation, template, paramNames: names });
  }
  return routes;
}

function matched(routes: HostRoutes, method: string, segments: string[]): RouteMatch {
  const m = routes.match(method, segments);
  assert.ok(m !== undefined && 'target' in m, `expected a match for ${method} /${segments.join('/')}`);
  return m;
}

describe('HostRoutes', () => {
  const routes = routesOf([
    ['GET', '/pets', 'list'],
    ['GET', '/pets/mine', 'mine'],
    ['GET', '/pets/{id}', 'get'],
    ['DELETE', '/pets/{id}', 'delete'],
    ['GET', '/pets/{id}/toys/{toyId}', 'toy'],
    ['GET', '/files/{name}.{ext}', 'file'],
    ['GET', '/', 'root'],
  ]);

  test('prefers a literal segment over a parameter', () => {
    assert.equal(matched(routes, 'GET', ['pets', 'mine']).target.operation.id, 'mine');
    assert.equal(matched(routes, 'GET', ['pets', 'other']).target.operation.id, 'get');
  });

  test('captures parameters by name, including inside a segment', () => {
    assert.deepEqual(matched(routes, 'GET', ['pets', '7', 'toys', 'ball']).params, {
      id: '7',
      toyId: 'ball',
    });
    assert.deepEqual(matched(routes, 'GET', ['files', 'report.v2.pdf']).params, {
      name: 'report',
      ext: 'v2.pdf',
    });
  });

  test('reports the allowed methods when only the method differs', () => {
    assert.deepEqual(routes.match('POST', ['pets', '7']), { allow: 'DELETE, GET' });
  });

  test('does not match a trailing slash, an empty parameter or extra segments', () => {
    assert.equal(routes.match('GET', ['pets', '']), undefined);
    assert.equal(routes.match('GET', ['pets', '7', 'extra']), undefined);
    assert.equal(routes.match('GET', ['nothing']), undefined);
  });

  test('matches the root path', () => {
    assert.equal(matched(routes, 'GET', ['']).target.operation.id, 'root');
  });

  test('refuses a second route with the same method and shape', () => {
    const segments = parseTemplate('/pets/{other}');
    assert.ok(Array.isArray(segments));
    const clash = routes.add(segments, 'GET', {
      api: 'b',
      operation: {} as OperationSpec,
      template: '',
      paramNames: [],
    });
    assert.equal(clash?.operation.id, 'get');
  });
});

describe('RouteTable', () => {
  test('prefers an exact host:port entry over a bare host name', () => {
    const table = new RouteTable();
    const any = table.routesFor('example.com');
    const exact = table.routesFor('example.com:8443');
    assert.equal(table.lookup('example.com:8443'), exact);
    assert.equal(table.lookup('example.com:80'), any);
    assert.equal(table.lookup('example.com'), any);
    assert.equal(table.lookup('other.com'), undefined);
  });

  test('strips the port from bracketed IPv6 hosts', () => {
    const table = new RouteTable();
    const v6 = table.routesFor('[::1]');
    assert.equal(table.lookup('[::1]:8080'), v6);
  });
});
