import type { ServerResponse } from 'node:http';
import { PROBLEM_CODES, type ProblemCode } from './problem-codes.ts';

/** Default base of problem `type` URIs: the code is appended (RFC 9457 §3.1.1). */
export const DEFAULT_PROBLEM_TYPE_BASE = 'https://portcullis.dev/docs/errors#';

export interface Problem {
  readonly code: ProblemCode;
  readonly decisionId: string;
  /** A fixed, partner-safe sentence. Never a request value, stack, or upstream address. */
  readonly detail?: string | undefined;
  /** Extra members, e.g. `violations`; values must already be partner-safe. */
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
}

export function problemJson(problem: Problem, typeBase: string): string {
  const info = PROBLEM_CODES[problem.code];
  return JSON.stringify({
    type: typeBase + problem.code,
    title: info.title,
    status: info.status,
    code: problem.code,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    decision_id: problem.decisionId,
    ...problem.extensions,
  });
}

/** Writes an RFC 9457 problem on a response that has not started yet. */
export function sendProblem(
  res: ServerResponse,
  problem: Problem,
  typeBase: string,
  headers?: Readonly<Record<string, string>>,
): void {
  const body = problemJson(problem, typeBase);
  res.statusCode = PROBLEM_CODES[problem.code].status;
  if (headers !== undefined) for (const name in headers) res.setHeader(name, headers[name]!);
  res.setHeader('content-type', 'application/problem+json');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-request-id', problem.decisionId);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * A whole HTTP/1.1 problem response as bytes, for sockets whose request Node could not
 * parse (no ServerResponse exists). The connection is closed after it.
 */
export function rawProblemResponse(problem: Problem, typeBase: string): string {
  const info = PROBLEM_CODES[problem.code];
  const body = problemJson(problem, typeBase);
  return (
    `HTTP/1.1 ${info.status} ${info.title}\r\n` +
    'content-type: application/problem+json\r\n' +
    'cache-control: no-store\r\n' +
    `x-request-id: ${problem.decisionId}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n\r\n' +
    body
  );
}
