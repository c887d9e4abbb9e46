import type { Exchange } from '../exchange.ts';
import type { CedarRequest, PolicyValue } from './cedar.ts';
import { READS, READS_ALL } from './context-reads.ts';
import { ACTION_TYPE, ENTITY, qualified } from './schema.ts';
import { localDayAndMinute, utcDayAndMinute } from './time-window.ts';

const APPLICATION = qualified(ENTITY.application);
const USER = qualified(ENTITY.user);
const PARTNER = qualified(ENTITY.partner);
const API = qualified(ENTITY.api);
const FIELD = '\u0000';
const ITEM = '\u0001';
const NO_SCOPES = '\u0002';

/** The application entity id: unique across partners, and tied to its partner. */
export function applicationId(partner: string, application: string): string {
  return `${partner}/${application}`;
}

/** The end user's entity id: scoped to the application that acts for it. */
export function userId(partner: string, application: string, user: string): string {
  return `${partner}/${application}/${user}`;
}

/**
 * The decision cache key: every input the decision reads, and nothing else. `reads` says
 * which context attributes the policies of the caller's slice read; time enters to the
 * minute, as the context carries it.
 */
export function decisionKey(ex: Exchange, action: string, reads: number): string {
  const identity = ex.identity!;
  let key = identity.partner + FIELD + identity.application + FIELD + (identity.user ?? '') + FIELD + action;
  if (reads & READS.scopes) {
    key += FIELD + (identity.scopes === undefined ? NO_SCOPES : [...identity.scopes].sort().join(ITEM));
  }
  if (reads & READS.mtls) key += FIELD + (identity.certificate?.fingerprint ?? '');
  if (reads & READS.clientIp) key += FIELD + ex.clientAddress;
  if (reads & READS.time) key += FIELD + Math.floor(ex.receivedAt / 60_000);
  if (reads & READS.dataClasses) {
    key += FIELD + (ex.dataClasses === undefined ? '' : [...ex.dataClasses].sort().join(ITEM));
  }
  if (reads & READS.riskScore) key += FIELD + riskScoreOf(ex);
  return key;
}

/**
 * The Cedar request for an exchange: the caller's application (a member of its partner),
 * or the end user it acts for (a member of both) when the credential names one, calls the
 * operation's action on the API, with the context attributes in `reads` (the schema
 * declares them all; an attribute no policy reads is left out, it would only cost).
 */
export function cedarRequest(
  ex: Exchange,
  action: string,
  reads = READS_ALL,
  timeZones: readonly string[] = [],
): CedarRequest {
  const identity = ex.identity!;
  const partner = { type: PARTNER, id: identity.partner };
  const application = { type: APPLICATION, id: applicationId(identity.partner, identity.application) };
  const user =
    identity.user === undefined
      ? undefined
      : { type: USER, id: userId(identity.partner, identity.application, identity.user) };
  const principal = user ?? application;
  const context: Record<string, PolicyValue> = {};
  if (reads & READS.scopes && identity.scopes !== undefined) context.scopes = [...identity.scopes];
  const certificate = identity.certificate;
  if (reads & READS.mtls && certificate !== undefined) {
    context.mtls = {
      fingerprint: certificate.fingerprint,
      subject: certificate.subject,
      ...(certificate.spiffeId === undefined ? {} : { spiffeId: certificate.spiffeId }),
    };
  }
  if (reads & READS.clientIp) context.clientIp = { __extn: { fn: 'ip', arg: ex.clientAddress } };
  if (reads & READS.time) {
    const minute = Math.floor(ex.receivedAt / 60_000);
    const time: Record<string, PolicyValue> = {
      epochSeconds: minute * 60,
      ...utcDayAndMinute(minute * 60_000),
    };
    if (timeZones.length > 0) {
      const zones: Record<string, PolicyValue> = {};
      for (const zone of timeZones) zones[zone] = localDayAndMinute(zone, minute);
      time.zones = zones;
    }
    context.time = time;
  }
  if (reads & READS.dataClasses)
    context.dataClasses = ex.dataClasses === undefined ? [] : [...ex.dataClasses];
  if (reads & READS.riskScore) context.riskScore = riskScoreOf(ex);
  const api = ex.route!.target.api;
  const actionUid = { type: ACTION_TYPE, id: action };
  return {
    principal,
    action: actionUid,
    resource: { type: API, id: api },
    context,
    // The action's group comes with the request: cheaper than having Cedar consult the schema.
    entities: [
      ...(user === undefined ? [] : [{ uid: user, attrs: {}, parents: [application, partner] }]),
      { uid: application, attrs: {}, parents: [partner] },
      { uid: actionUid, attrs: {}, parents: [{ type: ACTION_TYPE, id: api }] },
    ],
  };
}

/** Cedar has integers only; a missing score is 0. */
function riskScoreOf(ex: Exchange): number {
  return ex.riskScore === undefined ? 0 : Math.trunc(ex.riskScore);
}
