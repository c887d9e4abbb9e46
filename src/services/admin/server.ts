import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import { listenFailed } from '../../errors.ts';
import type { ListenerConfig } from '../../http/config.ts';
import { sendJson } from '../../http/json.ts';
import { sendProblem } from '../../http/problem.ts';
import { PROBLEM_CODES, type ProblemCode } from '../../http/problem-codes.ts';
import type { Logger } from '../../observe/logger.ts';
import { authenticateAdmin } from './auth.ts';
import type { AdminPrincipal } from './config.ts';
import type { AdminContext, AdminOperation } from './operation.ts';

export interface AdminServerDeps {
  readonly listener: ListenerConfig;
  readonly operations: readonly AdminOperation[];
  readonly context: AdminContext;
  /** The tokens of the plan in service (a reload changes them). */
  readonly principals: () => readonly AdminPrincipal[];
  readonly typeBase: () => string;
  readonly planVersion: () => string;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Route {
  readonly operation: AdminOperation;
  readonly validate: ValidateFunction;
}

const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer realm="portcullis-admin"' };

/**
 * The admin listener: its own port, every request authenticated by an admin token and
 * authorised by the permission its operation declares; nothing is served by default.
 * Unknown paths are only revealed (404) to a valid token. Every request is audited
 * except successful metrics scrapes, which would drown the log while recording nothing.
 */
export class AdminServer {
  readonly #server: Server;
  readonly #routes = new Map<string, Route>();
  readonly #deps: AdminServerDeps;

  private constructor(deps: AdminServerDeps) {
    this.#deps = deps;
    const ajv = new Ajv({ coerceTypes: true, useDefaults: true, strict: false, allErrors: false });
    for (const operation of deps.operations)
      this.#routes.set(operation.path, { operation, validate: ajv.compile(operation.query) });
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'admin request failed');
        if (!res.headersSent) res.destroy();
      });
    });
  }

  static async start(deps: AdminServerDeps): Promise<AdminServer> {
    const admin = new AdminServer(deps);
    const { host, port } = deps.listener;
    try {
      admin.#server.listen(port, host);
      await once(admin.#server, 'listening');
    } catch (error) {
      throw listenFailed('the admin listener', host, port, error);
    }
    return admin;
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    return closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = randomUUID();
    const started = performance.now();
    const deps = this.#deps;
    let actor = 'anonymous';
    let operationId: string | undefined;
    const answer = (status: number, code?: ProblemCode, reason?: string) => {
      if (operationId === 'getMetrics' && code === undefined) return;
      deps.audit.append({
        v: 1,
        kind: 'admin',
        action: code === undefined ? `admin.${operationId}` : 'admin.denied',
        at: deps.clock.now(),
        actor,
        subject: operationId ?? req.url?.split('?')[0],
        decisionId: id,
        plan: deps.planVersion(),
        request: {
          outcome: code === undefined ? 'allow' : 'deny',
          method: req.method ?? '',
          operation: operationId,
          status,
          latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
          stage: code === undefined ? undefined : PROBLEM_CODES[code].stage,
          code,
          reason,
          client: req.socket.remoteAddress ?? '',
        },
      });
    };
    const refuse = (code: ProblemCode, detail: string, reason?: string, headers?: Record<string, string>) => {
      sendProblem(res, { code, decisionId: id, detail }, deps.typeBase(), headers);
      answer(PROBLEM_CODES[code].status, code, reason);
    };

    const auth = authenticateAdmin(req.headers.authorization, deps.principals());
    if (!auth.ok) {
      refuse(
        auth.code,
        'Send an admin token as "Authorization: Bearer <token>".',
        auth.code,
        WWW_AUTHENTICATE,
      );
      return;
    }
    actor = `admin:${auth.principal.id}`;
    const target = req.url ?? '';
    const queryAt = target.indexOf('?');
    const route = target.startsWith('/')
      ? this.#routes.get(queryAt < 0 ? target : target.slice(0, queryAt))
      : undefined;
    if (route === undefined) {
      refuse('route_not_found', 'No admin operation has this path.');
      return;
    }
    const op = route.operation;
    operationId = op.operationId;
    if (req.method !== op.method && !(req.method === 'HEAD' && op.method === 'GET')) {
      refuse('method_not_allowed', 'This operation does not take this method.', undefined, {
        allow: op.method,
      });
      return;
    }
    if (!auth.principal.permissions.has(op.permission)) {
      refuse(
        'permission_denied',
        'Your admin token does not grant this operation.',
        `needs ${op.permission}`,
      );
      return;
    }
    const query = parseQuery(queryAt < 0 ? '' : target.slice(queryAt + 1));
    if (query === undefined || !route.validate(query)) {
      refuse('admin_request_invalid', 'The query parameters are missing, unknown, repeated or out of range.');
      return;
    }
    const result = await op.handle(query, deps.context);
    if ('problem' in result) {
      refuse(result.problem, result.detail);
      return;
    }
    if ('json' in result) {
      sendJson(res, 200, result.json, id);
    } else {
      res.writeHead(200, {
        'content-type': result.contentType,
        'cache-control': 'no-store',
        'x-request-id': id,
        'content-length': Buffer.byteLength(result.text),
      });
      res.end(req.method === 'HEAD' ? undefined : result.text);
    }
    answer(200);
  }
}

/** Query parameters as an object; undefined when a name repeats (ambiguous). */
function parseQuery(text: string): Record<string, string> | undefined {
  const params = new URLSearchParams(text);
  const out: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(out, name)) return undefined;
    out[name] = value;
  }
  return out;
}
