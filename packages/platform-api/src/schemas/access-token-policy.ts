import { Type } from 'typebox';
import { TrustedIp, Ttl } from './common.ts';

/** The attach-body fields every identity-based login method has: its access-token policy. */
export const PolicyFields = Type.Object({
  accessTokenTTL: Type.Optional(Ttl),
  accessTokenMaxTTL: Type.Optional(Ttl),
  accessTokenNumUsesLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  accessTokenTrustedIps: Type.Optional(Type.Array(TrustedIp, { minItems: 1, maxItems: 100 })),
});

/** How an identity's method configuration shows its access-token policy. */
export const PolicyJson = Type.Object({
  id: Type.String(),
  identityId: Type.String(),
  accessTokenTTL: Type.Integer(),
  accessTokenMaxTTL: Type.Integer(),
  accessTokenNumUsesLimit: Type.Integer(),
  accessTokenTrustedIps: Type.Array(TrustedIp),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
