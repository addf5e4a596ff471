/**
 * Builds one of Burrow's Go test peers into a directory, at test time: the reference's behaviour on
 * the wire, on Go's x/crypto/ssh and crypto/tls (go/<peer>/main.go states each one's contract).
 *   reference-gateway-peer  plays the reference gateway (dials a relay, inner mTLS, actions)
 *   reference-relay-peer    plays the reference relay (SSH server for gateways, :8443 routing)
 *
 * GOPATH mode on Debian's packages (golang-go, golang-golang-x-crypto-dev under /usr/share/gocode,
 * installed by scripts/system-deps.sh): no module download, so it builds offline. The build cache
 * is Go's own (~/.cache/go-build), reused between runs; the binary is never committed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type GoTestPeer = 'reference-gateway-peer' | 'reference-relay-peer';

const SOURCE_ROOT = path.resolve(import.meta.dirname, '..', 'go');
const GOPATH = '/usr/share/gocode';
/** A cold build compiles the standard library too: tens of seconds on a loaded machine. */
const BUILD_TIMEOUT_MS = 240_000;

/**
 * Returns the path of the built peer in `outDir`; rejects with what `go` printed, or with how to
 * install Go when it is missing.
 *
 * @example
 *   const peer = await buildGoTestPeer('reference-gateway-peer', tmpDir);
 *   spawn(peer, ['-relay-ssh-port', String(sshPort), 'go-gateway'], { env });
 */
export async function buildGoTestPeer(peer: GoTestPeer, outDir: string): Promise<string> {
  if (!fs.existsSync(path.join(GOPATH, 'src/golang.org/x/crypto/ssh'))) {
    throw new Error(
      'the Go test peers need golang-go and golang-golang-x-crypto-dev: run scripts/system-deps.sh',
    );
  }
  const binary = path.join(outDir, peer);
  await new Promise<void>((resolve, reject) => {
    execFile(
      'go',
      ['build', '-o', binary, '.'],
      {
        cwd: path.join(SOURCE_ROOT, peer),
        timeout: BUILD_TIMEOUT_MS,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? os.tmpdir(),
          GO111MODULE: 'off',
          GOPATH,
          GOFLAGS: '',
          // Go's own build cache (~/.cache/go-build): reused between runs, and not left in /tmp.
          GOCACHE: path.join(
            process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
            'go-build',
          ),
        },
      },
      (error, _stdout, stderr) => {
        if (error === null) resolve();
        else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error('go is not installed: run scripts/system-deps.sh'));
        } else
          reject(
            new Error(`go build of the Go test peer ${peer} failed: ${stderr || error.message}`),
          );
      },
    );
  });
  return binary;
}
