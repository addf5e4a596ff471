/**
 * Transport algorithms of the gateway <-> relay SSH connection (RFC 4253 §7.1 KEXINIT lists).
 *
 *   Burrow gateway <-> Burrow relay    curve25519-sha256 + aes128-gcm@openssh.com (ssh2's native
 *                                      binding; see toolchain-notes §4: GCM beats chacha20 and
 *                                      CTR+HMAC on AES-NI hardware)
 *   reference gateway -> Burrow relay  the Go gateway pins KEX diffie-hellman-group14-sha256 /
 *                                      group16-sha512 / group18-sha512, ciphers aes128/192/256-ctr,
 *                                      MACs hmac-sha2-256 / hmac-sha2-512 (reference §5.3): the
 *                                      relay offers all of them, after the preferred ones
 *   Burrow gateway -> reference relay  Go's server defaults include curve25519-sha256 and
 *                                      aes128-gcm@openssh.com
 *
 * chacha20-poly1305 is not offered: OpenSSH clients put it first, and it costs about twice the CPU
 * of AES-GCM here. No compression (the inner TLS bytes do not compress). SHA-1 and CBC are never
 * offered. Host key algorithms are OpenSSH certificate algorithms only (host-certificate-kex.ts).
 */
import type { Algorithms } from 'ssh2';

/** KEX: preferred first, then the reference gateway's pinned set. */
export const SSH_KEX_ALGORITHMS = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
] as const;

/** Ciphers: AES-GCM (native binding), then the reference gateway's AES-CTR set. */
export const SSH_CIPHER_ALGORITHMS = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
] as const;

/** MACs (unused with GCM): encrypt-then-MAC first, then the reference gateway's pinned pair. */
export const SSH_MAC_ALGORITHMS = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
] as const;

/**
 * The ssh2 `algorithms` option for both ends, with the given host key algorithms. (ssh2's typings
 * do not know the certificate algorithms the patch adds, hence the cast.)
 */
export function sshAlgorithms(serverHostKey: readonly string[]): Algorithms {
  return {
    kex: [...SSH_KEX_ALGORITHMS],
    cipher: [...SSH_CIPHER_ALGORITHMS],
    hmac: [...SSH_MAC_ALGORITHMS],
    compress: ['none'],
    serverHostKey: [...serverHostKey] as Algorithms['serverHostKey'],
  };
}
