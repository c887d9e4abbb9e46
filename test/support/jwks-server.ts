import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWK, type JWTPayload, SignJWT } from 'jose';

/** A key pair of an identity provider (or an attacker) for test tokens. */
export interface TestKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: JWK;
}

export function testKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): TestKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

/** Signs a JWT with `key`; `header` adds or overrides protected header parameters. */
export function signToken(
  key: TestKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

/**
 * An HTTP server on a free loopback port that serves a JWKS at `/jwks` (or fails on
 * demand) and counts every request it receives.
 */
export interface JwksServer {
  readonly uri: string;
  readonly origin: string;
  /** Requests received so far, whatever their path. */
  hits: number;
  keys: JWK[];
  /** When set, answers 503 instead of the keys. */
  failing: boolean;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[] = []): Promise<JwksServer> {
  const state: JwksServer = {
    uri: '',
    origin: '',
    hits: 0,
    keys,
    failing: false,
    server: createServer((_req, res) => {
      state.hits++;
      if (state.failing) {
        res.writeHead(503).end();
        return;
      }
      const body = JSON.stringify({ keys: state.keys });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }),
    close: () =>
      new Promise<void>((resolve) => {
        state.server.closeAllConnections();
        state.server.close(() => resolve());
      }),
  };
  state.server.listen(0, '127.0.0.1');
  await once(state.server, 'listening');
  const { port } = state.server.address() as AddressInfo;
  Object.assign(state, { origin: `http://127.0.0.1:${port}`, uri: `http://127.0.0.1:${port}/jwks` });
  return state;
}
