// Questions between a cluster's primary and its workers over the IPC channel, for what the server
// group must decide in one place (its metrics, its limits). A question is `{ type, id, input }`; the
// other side answers each once with `{ type: <type>:answer, id, value }` or `{ …, error }`. Workers
// ask the primary (askPrimary/answerWorker); the primary asks a worker (askWorker/answerPrimary).
import cluster, { type Worker } from 'node:cluster';

type Question = { type: string; id: number; input?: unknown };
type Answer = { type: string; id: number; value?: unknown; error?: string };

/** One end of an IPC channel: a worker as the primary sees it, or the primary as a worker sees it. */
interface Channel {
  onMessage(listener: (message: unknown) => void): void;
  send(message: Question | Answer, sent?: (e: Error | null) => void): void;
  connected(): boolean;
}

const workerChannel = (worker: Worker): Channel => ({
  onMessage: (listener) => worker.on('message', listener),
  send: (message, sent) => worker.send(message, sent),
  connected: () => worker.isConnected(),
});

const primaryChannel: Channel = {
  onMessage: (listener) => process.on('message', listener),
  send: (message, sent) => process.send!(message, undefined, undefined, sent),
  connected: () => process.connected,
};

const answerType = (type: string) => `${type}:answer`;

/** In the primary: answers `worker`'s questions of `type` with `answer(input)`. */
export function answerWorker<I, O>(worker: Worker, type: string, answer: (input: I) => O | Promise<O>): void {
  answerOn(workerChannel(worker), type, answer);
}

/** In a worker: answers the primary's questions of `type` with `answer(input)`. */
export function answerPrimary<I, O>(type: string, answer: (input: I) => O | Promise<O>): void {
  if (cluster.isWorker && process.send) answerOn(primaryChannel, type, answer);
}

function answerOn<I, O>(channel: Channel, type: string, answer: (input: I) => O | Promise<O>): void {
  channel.onMessage((raw) => {
    const message = raw as Partial<Question> | undefined;
    if (message?.type !== type || typeof message.id !== 'number') return;
    const id = message.id;
    // A side that stopped meanwhile needs no answer (and send would throw).
    const reply = (fields: Pick<Answer, 'value' | 'error'>) => channel.connected() && channel.send({ type: answerType(type), id, ...fields });
    Promise.resolve()
      .then(() => answer(message.input as I))
      .then(
        (value) => reply({ value }),
        (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }),
      );
  });
}

export interface AskOptions {
  /** How long the asker waits for the answer. */
  timeoutMs: number;
  /** The error when the other side answers with one (`reason`), or not at all. */
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
  return askOn(primaryChannel, type, options);
}

/** In the primary: how to ask `worker` questions of `type`. */
export function askWorker<I, O>(worker: Worker, type: string, options: AskOptions): (input: I) => Promise<O> {
  return askOn(workerChannel(worker), type, options);
}

function askOn<I, O>(channel: Channel, type: string, options: AskOptions): (input: I) => Promise<O> {
  let nextId = 0;
  const waiting = new Map<number, { resolve(value: O): void; reject(e: Error): void }>();
  channel.onMessage((raw) => {
    const message = raw as Partial<Answer> | undefined;
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
      if (!channel.connected()) return waiting.get(id)?.reject(options.failed('the other process has stopped'));
      channel.send({ type, id, input }, (e: Error | null) => {
        if (e) waiting.get(id)?.reject(options.failed(e.message));
      });
    });
}
