import type { Exchange } from '../exchange.ts';
import type { CedarRequest, PolicyValue } from './cedar.ts';
import { ACTION_TYPE, ENTITY, qualified } from './schema.ts';
import { utcDayAndMinute } from './time-window.ts';

const APPLICATION = qualified(ENTITY.application);
const PARTNER = qualified(ENTITY.partner);
const API = qualified(ENTITY.api);
const FIELD = '\u0000';
const ITEM = '\u0001';
const NO_SCOPES = '\u0002';

/** The application entity id: unique across partners, and tied to its partner. */
export function applicationId(partner: string, application: string): string {
  return `${partner}/${application}`;
}

/**
 * The decision cache key: every input the decision reads, and nothing else. Time enters
 * to the minute, as the context carries it.
 */
export function decisionKey(ex: Exchange, action: string): string {
  const identity = ex.identity!;
  const scopes = identity.scopes === undefined ? NO_SCOPES : [...identity.scopes].sort().join(ITEM);
  const dataClasses = ex.dataClasses === undefined ? '' : [...ex.dataClasses].sort().join(ITEM);
  return (
    identity.partner +
    FIELD +
    identity.application +
    FIELD +
    action +
    FIELD +
    ex.clientAddress +
    FIELD +
    Math.floor(ex.receivedAt / 60_000) +
    FIELD +
    scopes +
    FIELD +
    dataClasses +
    FIELD +
    riskScoreOf(ex) +
    FIELD +
    (identity.certificate?.fingerprint ?? '')
  );
}

/**
 * The Cedar request for an exchange: the caller's application (a member of its partner)
 * calls the operation's action on the API, with the request context the schema declares.
 */
export function cedarRequest(ex: Exchange, action: string): CedarRequest {
  const identity = ex.identity!;
  const principal = { type: APPLICATION, id: applicationId(identity.partner, identity.application) };
  const minute = Math.floor(ex.receivedAt / 60_000);
  const { day, minuteOfDay } = utcDayAndMinute(minute * 60_000);
  const context: Record<string, PolicyValue> = {
    clientIp: { __extn: { fn: 'ip', arg: ex.clientAddress } },
    time: { epochSeconds: minute * 60, day, minuteOfDay },
    dataClasses: ex.dataClasses === undefined ? [] : [...ex.dataClasses],
    riskScore: riskScoreOf(ex),
  };
  if (identity.scopes !== undefined) context.scopes = [...identity.scopes];
  const certificate = identity.certificate;
  if (certificate !== undefined) {
    context.mtls = {
      fingerprint: certificate.fingerprint,
      subject: certificate.subject,
      ...(certificate.spiffeId === undefined ? {} : { spiffeId: certificate.spiffeId }),
    };
  }
  const api = ex.route!.target.api;
  const actionUid = { type: ACTION_TYPE, id: action };
  return {
    principal,
    action: actionUid,
    resource: { type: API, id: api },
    context,
    // The action's group comes with the request: cheaper than having Cedar consult the schema.
    entities: [
      { uid: principal, attrs: {}, parents: [{ type: PARTNER, id: identity.partner }] },
      { uid: actionUid, attrs: {}, parents: [{ type: ACTION_TYPE, id: api }] },
    ],
  };
}

/** Cedar has integers only; a missing score is 0. */
function riskScoreOf(ex: Exchange): number {
  return ex.riskScore === undefined ? 0 : Math.trunc(ex.riskScore);
}
