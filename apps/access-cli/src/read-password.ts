import readline from 'node:readline';
import { Writable } from 'node:stream';

/**
 * A password from standard input: on a terminal, asked with `prompt` on stderr and not echoed;
 * piped in, its first line. Resolves '' when stdin ends without one.
 *
 * @example
 *   const password = await readPassword('Password: ');
 */
export function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  const interactive = input.isTTY === true;
  let muted = false;
  // What readline echoes goes here: the prompt is shown, the typed characters are not.
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = readline.createInterface({ input, output, terminal: interactive });
  return new Promise((resolve) => {
    let answered = false;
    rl.on('close', () => {
      if (interactive) process.stderr.write('\n');
      if (!answered) resolve('');
    });
    rl.question(interactive ? prompt : '', (answer) => {
      answered = true;
      resolve(answer);
      rl.close();
    });
    muted = interactive;
  });
}
