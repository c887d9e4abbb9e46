import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

/** Files of a configuration directory: a string is written as is, anything else as YAML. */
export type ConfigFiles = Record<string, unknown>;

export interface TempDir {
  readonly dir: string;
  write(files: ConfigFiles): void;
  remove(): void;
}

export function tempConfigDir(files: ConfigFiles = {}): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-test-'));
  const write = (more: ConfigFiles) => {
    for (const [name, content] of Object.entries(more)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, typeof content === 'string' ? content : stringify(content));
    }
  };
  write(files);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A small OpenAPI document: a collection with list/create and an item with get/delete.
 * createPet takes any JSON or bytes; query parameters are declared (undeclared ones are refused).
 */
export const PETS_OPENAPI = `openapi: 3.1.0
info: { title: Pets, version: '1' }
paths:
  /pets:
    get:
      operationId: listPets
      parameters: [{ name: limit, in: query, schema: { type: integer, minimum: 1 } }]
      responses: { '200': { description: ok } }
    post:
      operationId: createPet
      requestBody: { content: { application/json: {}, application/octet-stream: {} } }
      responses: { '201': { description: ok } }
  /pets/mine:
    get: { operationId: listMyPets, responses: { '200': { description: ok } } }
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{ name: x, in: query, schema: { type: string } }]
      responses: { '200': { description: ok } }
    delete: { operationId: deletePet, responses: { '204': { description: ok } } }
  /files/{name}.{ext}:
    get: { operationId: getFile, responses: { '200': { description: ok } } }
`;

export interface GatewayFileOptions {
  readonly upstreamUrl: string;
  readonly port?: number;
  readonly extra?: Record<string, unknown>;
  readonly api?: Record<string, unknown>;
  readonly upstream?: Record<string, unknown>;
  /** More APIs besides `pets`, forwarded to the same upstream. */
  readonly moreApis?: Record<string, Record<string, unknown>>;
}

/** `portcullis.yaml` for one API (`pets`) on hosts 127.0.0.1 and localhost. */
export function gatewayFile(options: GatewayFileOptions): Record<string, unknown> {
  return {
    version: 1,
    listeners: { public: { host: '127.0.0.1', port: options.port ?? 0 } },
    apis: {
      pets: {
        openapi: 'apis/pets.yaml',
        hosts: ['127.0.0.1', 'localhost'],
        upstream: { url: options.upstreamUrl, ...options.upstream },
        ...options.api,
      },
      ...Object.fromEntries(
        Object.entries(options.moreApis ?? {}).map(([name, api]) => [
          name,
          { upstream: { url: options.upstreamUrl }, ...api },
        ]),
      ),
    },
    store: { kind: 'sqlite', path: 'data/portcullis.db' },
    logging: { level: 'silent' },
    reload: { watch: false },
    ...options.extra,
  };
}

export function contractFile(partner: string, operations: string[], extra: Record<string, unknown> = {}) {
  return { version: 1, partner, grants: [{ api: 'pets', operations }], ...extra };
}
