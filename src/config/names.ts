import Type from 'typebox';

/** Names of APIs, partners and applications: lower-case, DNS-label-like, stable in logs and URLs. */
export const NAME_PATTERN = '^[a-z][a-z0-9-]{0,62}$';

const NAME_MESSAGE = 'must be a lower-case name: a letter, then letters, digits or "-" (at most 63)';

/** A name-valued string schema; `options` may add e.g. a default. */
export function name(options: { default?: string } = {}) {
  return Type.String({ pattern: NAME_PATTERN, 'x-message': NAME_MESSAGE, ...options });
}

export const Name = name();

/** Options shared by every object in the configuration: unknown keys are errors. */
export const closed = { additionalProperties: false } as const;
