/**
 * OIDs of the reference's custom, non-critical X.509 extensions. Their extnValue is the raw UTF-8
 * JSON bytes — NOT a DER-wrapped string: Go reads them with `json.Unmarshal(ext.Value)` and the
 * reference platform writes `new x509.Extension(oid, false, Buffer.from(JSON.stringify(...)))`.
 *
 * | OID                      | on                            | JSON                                  |
 * |--------------------------|-------------------------------|---------------------------------------|
 * | 1.3.6.1.4.1.12345.100.1  | gateway client cert           | {"targetHost","targetPort"}           |
 * | 1.3.6.1.4.1.12345.100.2  | gateway client cert           | {"type":"platform"} / {"type","id","name"} |
 * | 1.3.6.1.4.1.12345.100.3  | gateway client cert (PAM)     | {"sessionId","resourceType"}          |
 * | 1.3.6.1.4.1.12345.100.3  | relay client cert (same OID!) | {"name":"<gatewayName>"}              |
 *
 * (These will move to / be re-exported by @burrow/tunnel-protocol.)
 */

/**
 * Target the gateway dials for this caller.
 *
 * @example
 *   cert.getExtension(GATEWAY_ROUTING_INFO_OID);
 */
export const GATEWAY_ROUTING_INFO_OID = '1.3.6.1.4.1.12345.100.1';

/**
 * Who the caller is (platform, or a user for PAM).
 *
 * @example
 *   cert.getExtension(GATEWAY_ACTOR_OID);
 */
export const GATEWAY_ACTOR_OID = '1.3.6.1.4.1.12345.100.2';

/**
 * PAM session of the caller (gateway client certs).
 *
 * @example
 *   cert.getExtension(PAM_INFO_OID);
 */
export const PAM_INFO_OID = '1.3.6.1.4.1.12345.100.3';

/**
 * The same OID as PAM_INFO_OID, as used on relay client certs: the gateway's name, for logs.
 *
 * @example
 *   cert.getExtension(RELAY_CLIENT_INFO_OID);
 */
export const RELAY_CLIENT_INFO_OID = PAM_INFO_OID;
