// One line of user input from stdin, terminal or pipe. End of input answers "" (so a confirmation
// with no answer is a refusal, never a hang on a closed pipe).
import { createInterface } from 'node:readline';

export function readAnswer(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
