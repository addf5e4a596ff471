/**
 * Child process for the SIGKILL test: appends large events to a recording as fast as it can and
 * prints the index of every event once `append` resolved (= fsync'd), until it is killed.
 * Arguments: <dir> <sessionId> <key hex> <expires unix ms>.
 */
import { openSessionRecording } from '../../src/index.ts';

const [dir, sessionId, keyHex, expiresMs] = process.argv.slice(2);
const recording = await openSessionRecording({
  dir: dir as string,
  sessionId: sessionId as string,
  resourceType: 'postgres',
  expiresAt: new Date(Number(expiresMs)),
  key: Buffer.from(keyHex as string, 'hex'),
});
// Large events make a write long enough for the kill to land inside one now and then.
const padding = 'x'.repeat(256 * 1024);
for (let n = 0; ; n++) {
  const index = await recording.append({
    n,
    input: `INSERT ${n} ${padding}`,
    output: 'INSERT 0 1',
  });
  process.stdout.write(`${index}\n`);
}
