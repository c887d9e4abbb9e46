/**
 * The one place that talks to Cedar (`@cedar-policy/cedar-wasm`). The `nodejs` build is
 * CommonJS that instantiates its WebAssembly module synchronously at import, so every call
 * here is synchronous; the ESM build would need Node's experimental Wasm-module imports.
 */
import {
  type AuthorizationAnswer,
  type DetailedError,
  type EntityJson,
  type EntityUidJson,
  type Policy,
  type PolicyJson,
  type CedarValueJson as PolicyValue,
  policySetTextToParts,
  policyToJson,
  preparsePolicySet,
  type SchemaJson,
  schemaToText,
  statefulIsAuthorized,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs';

export type { DetailedError, EntityJson, EntityUidJson, Policy, PolicyJson, PolicyValue, SchemaJson };

/** The namespace of every entity type and action Portcullis defines. */
export const NAMESPACE = 'Portcullis';

/** A Cedar error reduced to what an operator needs: message and where in the text. */
export interface CedarProblem {
  readonly message: string;
  /** UTF-8 byte offset into the text that was checked, when Cedar gives one. */
  readonly offset: number | undefined;
}

function problemOf(error: DetailedError): CedarProblem {
  const at =
    error.sourceLocations?.[0] ?? error.related?.find((r) => r.sourceLocations?.length)?.sourceLocations?.[0];
  const label = error.sourceLocations?.[0]?.label;
  const help = error.help ?? (label === null || label === undefined ? null : label);
  return { message: help === null ? error.message : `${error.message} (${help})`, offset: at?.start };
}

/** Splits a policy file into its policies (verbatim text, in order), or says why it cannot. */
export function splitPolicies(
  text: string,
): { ok: true; policies: string[]; templates: number } | { ok: false; problems: CedarProblem[] } {
  const answer = policySetTextToParts(text);
  if (answer.type === 'failure') return { ok: false, problems: answer.errors.map(problemOf) };
  return { ok: true, policies: answer.policies, templates: answer.policy_templates.length };
}

/** The JSON form of one policy's text (already known to parse). */
export function policyJson(text: string): PolicyJson {
  const answer = policyToJson(text);
  if (answer.type === 'failure')
    throw new Error(`Cedar could not convert a parsed policy: ${answer.errors[0]?.message}`);
  return answer.json;
}

/** Where Cedar says which action an error was found for; the same error follows for every action. */
const ONE_ACTION = / for [A-Za-z:]*Action::"(?:[^"\\]|\\.)*"/;

/** One strict-validation error, for the policy at `index` of the checked set. */
export interface ValidationProblem extends CedarProblem {
  readonly policyId: string;
}

/**
 * Validates policies strictly against a schema. `policies` is either a policy file's text
 * (its policies are then named `policy0`, `policy1`, … in order and offsets are into
 * the text) or policies by id. Errors that Cedar repeats once per action are reported once.
 */
export function validateStrictly(
  schema: SchemaJson<string>,
  policies: string | Record<string, PolicyJson>,
): ValidationProblem[] {
  const answer = validate({
    schema,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') return answer.errors.map((e) => ({ policyId: '', ...problemOf(e) }));
  const seen = new Set<string>();
  const problems: ValidationProblem[] = [];
  for (const { policyId, error } of answer.validationErrors) {
    const problem = { policyId, ...problemOf({ ...error, message: error.message.replace(ONE_ACTION, '') }) };
    const key = `${policyId}\0${problem.offset}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/** Parses a policy set once and keeps it inside the Cedar module under `id` (replacing any). */
export function preparse(id: string, policies: Record<string, Policy>): void {
  const answer = preparsePolicySet(id, { staticPolicies: policies });
  if (answer.type === 'failure')
    throw new Error(`Cedar refused a validated policy set: ${answer.errors[0]?.message}`);
}

/** A Cedar request against a preparsed policy set. */
export interface CedarRequest {
  readonly principal: EntityUidJson;
  readonly action: EntityUidJson;
  readonly resource: EntityUidJson;
  readonly context: Record<string, PolicyValue>;
  readonly entities: EntityJson[];
}

/** What Cedar answered: the decision, the policies that determined it, and every error. */
export interface CedarAnswer {
  readonly allow: boolean;
  readonly policies: readonly string[];
  /** Evaluation errors (a policy Cedar skipped) and request errors, as `policy: message`. */
  readonly errors: readonly string[];
}

/** Evaluates a request against the preparsed set `setId`. Never throws for a bad request. */
export function evaluate(setId: string, request: CedarRequest): CedarAnswer {
  const answer: AuthorizationAnswer = statefulIsAuthorized({
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: request.context,
    entities: request.entities,
    preparsedPolicySetId: setId,
  });
  if (answer.type === 'failure') {
    return { allow: false, policies: [], errors: answer.errors.map((e) => `request: ${e.message}`) };
  }
  const { decision, diagnostics } = answer.response;
  return {
    allow: decision === 'allow',
    policies: diagnostics.reason,
    errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}

/** A schema in Cedar's human-readable schema syntax. */
export function schemaText(schema: SchemaJson<string>): string {
  const answer = schemaToText(schema);
  if (answer.type === 'failure')
    throw new Error(`Cedar could not print the schema: ${answer.errors[0]?.message}`);
  return answer.text;
}
