import type { LoadedApi } from '../../config/load.ts';
import { NAMESPACE, type SchemaJson } from './cedar.ts';

/** Entity types of the generated schema, unqualified (they live in `Portcullis::`). */
export const ENTITY = {
  partner: 'Partner',
  application: 'Application',
  user: 'User',
  service: 'Service',
  api: 'Api',
} as const;

/** `Portcullis::<type>`, as Cedar requests and policies name it. */
export function qualified(type: string): string {
  return `${NAMESPACE}::${type}`;
}

export const ACTION_TYPE = qualified('Action');

/** The action of one OpenAPI operation: `<api>:<operationId>`. */
export function operationAction(api: string, operationId: string): string {
  return `${api}:${operationId}`;
}

/**
 * The Cedar schema of a configuration: who can call (partners and their applications,
 * end users, internal services), what is called (one action per OpenAPI operation, in one
 * action group per API, named after the API), and the context every request carries.
 * Every policy, generated or written by an operator, is validated strictly against it.
 */
export function cedarSchema(
  apis: Iterable<LoadedApi>,
  timeZones: readonly string[] = [],
): SchemaJson<string> {
  const principals = [ENTITY.application, ENTITY.user, ENTITY.service];
  const actions: Record<string, object> = {};
  for (const api of apis) {
    actions[api.name] = {};
    for (const operation of api.spec.operations) {
      actions[operationAction(api.name, operation.id)] = {
        memberOf: [{ id: api.name }],
        appliesTo: {
          principalTypes: principals,
          resourceTypes: [ENTITY.api],
          context: { type: 'Request' },
        },
      };
    }
  }
  return {
    [NAMESPACE]: {
      entityTypes: {
        [ENTITY.partner]: {},
        [ENTITY.application]: { memberOfTypes: [ENTITY.partner] },
        [ENTITY.user]: { memberOfTypes: [ENTITY.application, ENTITY.partner] },
        [ENTITY.service]: {},
        [ENTITY.api]: {},
      },
      commonTypes: {
        Certificate: record({
          fingerprint: { type: 'String' },
          subject: { type: 'String' },
          spiffeId: { type: 'String', required: false },
        }),
        Time: record({
          epochSeconds: { type: 'Long' },
          day: { type: 'String' },
          minuteOfDay: { type: 'Long' },
          // The local day and minute in each zone a contract's time window names.
          ...(timeZones.length === 0
            ? {}
            : { zones: record(Object.fromEntries(timeZones.map((zone) => [zone, { type: 'LocalTime' }]))) }),
        }),
        LocalTime: record({
          day: { type: 'String' },
          minuteOfDay: { type: 'Long' },
        }),
        Request: record({
          scopes: { type: 'Set', element: { type: 'String' }, required: false },
          mtls: { type: 'Certificate', required: false },
          clientIp: { type: 'Extension', name: 'ipaddr' },
          time: { type: 'Time' },
          dataClasses: { type: 'Set', element: { type: 'String' } },
          riskScore: { type: 'Long' },
        }),
      },
      actions,
    },
  } as SchemaJson<string>;
}

function record(attributes: Record<string, object>): object {
  return { type: 'Record', attributes };
}
