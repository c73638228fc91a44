// Questions a cluster worker asks the primary over the IPC channel, for what the server group must
// decide in one place (its metrics, its limits). A question is `{ type, id, input }`; the primary
// answers each once with `{ type: <type>:answer, id, value }` or `{ …, error }`.
import cluster, { type Worker } from 'node:cluster';

type Question = { type: string; id: number; input?: unknown };
type Answer = { type: string; id: number; value?: unknown; error?: string };

const answerType = (type: string) => `${type}:answer`;

/** In the primary: answers `worker`'s questions of `type` with `answer(input)`. */
export function answerWorker<I, O>(worker: Worker, type: string, answer: (input: I) => O | Promise<O>): void {
  worker.on('message', (message: Partial<Question>) => {
    if (message?.type !== type || typeof message.id !== 'number') return;
    const id = message.id;
    // A worker that stopped meanwhile needs no answer (and send would throw).
    const reply = (fields: Pick<Answer, 'value' | 'error'>) => worker.isConnected() && worker.send({ type: answerType(type), id, ...fields } satisfies Answer);
    Promise.resolve()
      .then(() => answer(message.input as I))
      .then(
        (value) => reply({ value }),
        (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }),
      );
  });
}

export interface AskOptions {
  /** How long the worker waits for the answer. */
  timeoutMs: number;
  /** The error when the primary answers with one (`reason`), or not at all. */
  failed(reason: string | undefined): Error;
  /** The error when no answer came in time. */
  late(): Error;
}

/**
 * In a worker: how to ask the primary questions of `type`. Outside a cluster worker it returns
 * undefined (the process decides alone).
 */
export function askPrimary<I, O>(type: string, options: AskOptions): ((input: I) => Promise<O>) | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve(value: O): void; reject(e: Error): void }>();
  process.on('message', (message: Partial<Answer>) => {
    if (message?.type !== answerType(type) || typeof message.id !== 'number') return;
    const entry = waiting.get(message.id);
    if (message.error === undefined && 'value' in message) entry?.resolve(message.value as O);
    else entry?.reject(options.failed(message.error));
  });
  return (input: I) =>
    new Promise<O>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(options.late());
      }, options.timeoutMs);
      const done = () => (clearTimeout(timer), waiting.delete(id));
      waiting.set(id, { resolve: (v: O) => (done(), resolve(v)), reject: (e: Error) => (done(), reject(e)) });
      process.send!({ type, id, input } satisfies Question, (e: Error | null) => {
        if (e) waiting.get(id)?.reject(options.failed(e.message));
      });
    });
}
