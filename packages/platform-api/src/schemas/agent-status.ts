import { Type } from 'typebox';

/**
 * Burrow extensions to the reference's gateway and relay JSON (GET /api/v2/gateways,
 * GET /api/v1/relays), what the console shows of each: the version the program reports and when
 * the certificates of its last registration expire. Optional, so the reference's answers are valid.
 */
export function agentStatusFields(of: 'gateway' | 'relay') {
  return {
    version: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: `Burrow extension: \`<program>/<version>\` from the ${of}’s x-burrow-agent-version header; null when it sent none`,
      }),
    ),
    certificatesExpireAt: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description:
          'Burrow extension: when the certificates of its last registration expire (ISO time); it must register again before',
      }),
    ),
  };
}
