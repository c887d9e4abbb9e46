import type { ConfigIssue } from '../../config/issues.ts';
import { POLICIES_DIR, type PolicyFile } from '../../config/policy-files.ts';
import {
  type CedarProblem,
  type PolicyJson,
  policyJson,
  type SchemaJson,
  splitPolicies,
  validateStrictly,
} from './cedar.ts';
import { contextReads } from './context-reads.ts';

/** Files under this folder are the shadow (candidate) policies. */
export const SHADOW_DIR = `${POLICIES_DIR}/shadow/`;

/**
 * A policy ready for Cedar: its text (operators' policies: Cedar's JSON form would pass
 * integer literals through JavaScript numbers and lose precision past 2^53) or its JSON
 * (generated policies), and its principal scope, for slicing.
 */
export interface CompiledPolicy {
  readonly cedar: string | PolicyJson;
  readonly principal: PolicyJson['principal'];
  /** The context attributes it reads (`READS` bits). */
  readonly reads: number;
}

/** Policies by id, in file order. */
export type PolicyMap = ReadonlyMap<string, CompiledPolicy>;

export interface OperatorPolicies {
  readonly live: PolicyMap;
  /**
   * The candidate set: the live files, each replaced by the shadow file of the same
   * relative path if there is one, plus shadow files of new paths. Undefined when there
   * is no shadow file.
   */
  readonly candidate: PolicyMap | undefined;
}

/** The stable id of a policy of a file: its `@id` annotation, or its index in the file. */
export function filePolicyId(file: string, policy: PolicyJson, index: number): string {
  return `file:${file}:${policy.annotations?.id ?? index}`;
}

/**
 * Parses every operator policy file and validates it strictly against the schema. Each
 * problem becomes an issue at its file, line and column; a file with any problem
 * contributes no policy (the plan will not be built anyway).
 */
export function compileOperatorPolicies(
  files: readonly PolicyFile[],
  schema: SchemaJson<string>,
  issues: ConfigIssue[],
): OperatorPolicies {
  const live = new Map<string, CompiledPolicy>();
  const shadowed = new Map<string, PolicyMap>();
  const liveByFile = new Map<string, PolicyMap>();
  for (const file of files) {
    const policies = compileFile(file, schema, issues);
    if (file.file.startsWith(SHADOW_DIR)) {
      shadowed.set(POLICIES_DIR + file.file.slice(SHADOW_DIR.length - 1), policies);
    } else {
      liveByFile.set(file.file, policies);
      for (const [id, policy] of policies) live.set(id, policy);
    }
  }
  if (shadowed.size === 0) return { live, candidate: undefined };
  const candidate = new Map<string, CompiledPolicy>();
  for (const [file, policies] of liveByFile) {
    for (const [id, policy] of shadowed.get(file) ?? policies) candidate.set(id, policy);
  }
  for (const [file, policies] of shadowed) {
    if (!liveByFile.has(file)) for (const [id, policy] of policies) candidate.set(id, policy);
  }
  return { live, candidate };
}

function compileFile(file: PolicyFile, schema: SchemaJson<string>, issues: ConfigIssue[]): PolicyMap {
  const at = (problem: CedarProblem): ConfigIssue => ({
    file: file.file,
    ...locate(file.text, problem.offset ?? 0),
    path: '',
    message: problem.message,
  });
  const split = splitPolicies(file.text);
  if (!split.ok) {
    issues.push(...split.problems.map(at));
    return new Map();
  }
  if (split.templates > 0) {
    const offset = byteOffset(file.text, file.text.search(/\?(principal|resource)/));
    issues.push(at({ message: 'policy templates (`?principal`, `?resource`) are not supported', offset }));
    return new Map();
  }
  const before = issues.length;
  const policies = new Map<string, CompiledPolicy>();
  const ids: string[] = [];
  let cursor = 0;
  split.policies.forEach((text, index) => {
    const start = file.text.indexOf(text, cursor);
    if (start >= 0) cursor = start + text.length;
    const json = policyJson(text);
    const id = filePolicyId(file.file, json, index);
    if (policies.has(id)) {
      issues.push(
        at({
          message: `policy id \`${id}\` is used twice in this file (see @id)`,
          offset: byteOffset(file.text, start),
        }),
      );
    }
    policies.set(id, { cedar: text, principal: json.principal, reads: contextReads(json) });
    ids.push(id);
  });
  // Cedar names a file's policies policy0, policy1, ... in order; say which by its id.
  for (const problem of validateStrictly(schema, file.text)) {
    const id = ids[Number(problem.policyId.replace(/^policy/, ''))] ?? problem.policyId;
    issues.push(at({ ...problem, message: problem.message.replace(`\`${problem.policyId}\``, `\`${id}\``) }));
  }
  return issues.length === before ? policies : new Map();
}

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, Math.max(0, index)));
}

/** Line and column (1-based, in characters) of a UTF-8 byte offset into `text`. */
export function locate(text: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}
