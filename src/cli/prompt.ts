// One line of user input from stdin, terminal or pipe. End of input answers "" (so a confirmation
// with no answer is a refusal, never a hang on a closed pipe).
// node:readline is loaded on the first question: most commands never ask one.
export async function readAnswer(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const { createInterface } = await import('node:readline');
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
