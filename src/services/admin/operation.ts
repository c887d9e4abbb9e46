import type Type from 'typebox';
import type { TObject, TSchema } from 'typebox';
import type { LogBackend } from '../../audit/backend.ts';
import type { ProblemCode } from '../../http/problem-codes.ts';
import type { GatewayMetrics } from '../../observe/metrics/registry.ts';
import type { Permission } from './config.ts';

/** What an admin operation may use. */
export interface AdminContext {
  readonly audit: LogBackend;
  readonly metrics: GatewayMetrics;
  /** The generated OpenAPI document of the admin API. */
  readonly openapi: () => unknown;
}

/** An operation's answer: JSON (checked against its response schema), plain text, or a problem. */
export type AdminResult =
  | { readonly json: unknown }
  | { readonly text: string; readonly contentType: string }
  | { readonly problem: ProblemCode; readonly detail: string };

/**
 * One admin operation, declared whole in its own file: the permission it needs comes
 * first, then its route and the schemas of its query and response, from which the
 * server validates requests and the admin OpenAPI document is generated.
 */
export interface AdminOperation<Q extends TObject = TObject> {
  readonly permission: Permission;
  readonly method: 'GET';
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly query: Q;
  /** Schema of a JSON answer, or the media type of a text one. */
  readonly response: TSchema | { readonly text: string };
  handle(query: Type.Static<Q>, ctx: AdminContext): Promise<AdminResult>;
}

/** Declares an operation with its query type inferred from the schema. */
export function adminOperation<Q extends TObject>(operation: AdminOperation<Q>): AdminOperation<Q> {
  return operation;
}
