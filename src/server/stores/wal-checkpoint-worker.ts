// The worker-thread side of WalCheckpointer (wal-checkpointer.ts): its own connection to the database
// file, a PASSIVE checkpoint per request, an answer when done.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database((workerData as { file: string }).file);
// Another process's checkpoint in progress makes this one return at once (SQLITE_BUSY): not an error.
db.pragma('busy_timeout = 0');

parentPort?.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing: the next commit asks again, and the writer's own backstop remains.
  }
  parentPort?.postMessage('done');
});
