// Preloaded into the relay process by the "relay never sees plaintext" test (NODE_OPTIONS=--import).
// It appends every chunk the relay reads from a caller's TLS connection (i.e. the bytes the relay
// has in the clear after the outer TLS, which it forwards into the SSH channel) to the file named
// by BURROW_TEST_TAP_FILE. Test-only: nothing in the relay knows about it.
import fs from 'node:fs';
import process from 'node:process';
import tls from 'node:tls';

const file = process.env.BURROW_TEST_TAP_FILE;
const originalEmit = tls.TLSSocket.prototype.emit;
tls.TLSSocket.prototype.emit = function (event, ...args) {
  if (event === 'data' && file && this.server) fs.appendFileSync(file, args[0]);
  return originalEmit.call(this, event, ...args);
};
