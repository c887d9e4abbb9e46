/** Below this, two instants in milliseconds are the same (floating-point noise of fractional intervals). */
const EPSILON_MS = 1e-6;

/** What GCRA says about one request against one rate limit. */
export interface GcraOutcome {
  readonly allowed: boolean;
  /** The theoretical arrival time to store when the request is admitted. */
  readonly tat: number;
  /** Whole units still available right after this decision. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
  /** When refused, milliseconds until this request would be admitted. */
  readonly retryAfterMs: number;
}

/**
 * The generic cell rate algorithm (ITU-T I.371), a token bucket kept as one timestamp:
 * one unit every `emissionMs`, and up to `toleranceMs / emissionMs` units at once (the
 * burst). `previousTat` is the stored theoretical arrival time (undefined: never used or
 * long idle). A request costing more than the whole burst passes only on a full bucket, so
 * no request can be refused forever. Refusals store nothing: a client retrying in a tight
 * loop consumes nothing and is admitted as soon as a unit is due.
 */
export function gcra(
  previousTat: number | undefined,
  now: number,
  cost: number,
  emissionMs: number,
  toleranceMs: number,
): GcraOutcome {
  const tat = previousTat === undefined || previousTat < now ? now : previousTat;
  const next = tat + cost * emissionMs;
  const allowAt = next - toleranceMs;
  if (allowAt - now > EPSILON_MS && tat - now > EPSILON_MS) {
    return {
      allowed: false,
      tat,
      remaining: units(toleranceMs - (tat - now), emissionMs),
      resetMs: tat - now,
      retryAfterMs: allowAt - now,
    };
  }
  return {
    allowed: true,
    tat: next,
    remaining: units(toleranceMs - (next - now), emissionMs),
    resetMs: next - now,
    retryAfterMs: 0,
  };
}

/** Whole units in `ms` of allowance, never negative. */
function units(ms: number, emissionMs: number): number {
  return ms <= 0 ? 0 : Math.floor(ms / emissionMs + EPSILON_MS);
}
