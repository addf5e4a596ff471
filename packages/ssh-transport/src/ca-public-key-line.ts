/**
 * The CA public keys the control plane hands out ("ssh.clientCAPublicKey",
 * "ssh.serverCAPublicKey") are authorized_keys-style lines:
 *
 *   [cert-authority | @cert-authority <host pattern>] <key type> <base64 key blob> [comment]
 *
 * Only the key blob matters: certificates are checked against these exact bytes.
 */
import { parseSshPublicKeyLine } from '@burrow/pki';

/**
 * The key blob of a CA line. `setting` names the option in error messages.
 *
 * @example
 *   parseCaPublicKeyLine('ssh-rsa AAAAB3NzaC1yc2E... ca', 'trustedUserCaPublicKey');
 */
export function parseCaPublicKeyLine(line: string, setting: string): Buffer {
  const text = String(line)
    .trim()
    .replace(/^(cert-authority\s+|@cert-authority\s+\S+\s+)/, '');
  try {
    return parseSshPublicKeyLine(text).blob;
  } catch (error) {
    throw new Error(`${setting}: ${(error as Error).message}`, { cause: error });
  }
}
