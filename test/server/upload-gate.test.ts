// The gate in front of large publish bodies: a slot each, a short queue in arrival order, then "busy".
import { describe, expect, it } from 'vitest';
import { UploadGate } from '../../src/server/upload-gate.js';

const never = new Promise<never>(() => undefined);

describe('UploadGate', () => {
  it('gives slots up to the limit, queues in order, refuses past the queue, and hands slots on', async () => {
    const gate = new UploadGate({ maxConcurrent: 1, maxQueued: 2 });
    const first = await gate.enter(never);
    expect(first).toBeDefined();
    const order: string[] = [];
    const second = gate.enter(never).then((r) => (order.push('second'), r));
    const third = gate.enter(never).then((r) => (order.push('third'), r));
    expect(await gate.enter(never)).toBeUndefined(); // queue full
    first!();
    first!(); // a second release frees nothing more
    const secondRelease = await second;
    expect(order).toEqual(['second']);
    secondRelease!();
    (await third)!();
    expect(order).toEqual(['second', 'third']);
  });

  it('a waiter whose client goes away leaves the queue without taking a slot', async () => {
    const gate = new UploadGate({ maxConcurrent: 1, maxQueued: 1 });
    const first = await gate.enter(never);
    let leave!: () => void;
    const gone = new Promise<void>((resolve) => (leave = resolve));
    const waiting = gate.enter(gone);
    leave();
    expect(await waiting).toBeUndefined();
    first!();
    const next = await gate.enter(never);
    expect(next).toBeDefined();
  });

  it('treats bodies of unknown length (chunked) and over 4 MiB as large', () => {
    expect(UploadGate.isLarge(Number.NaN)).toBe(true);
    expect(UploadGate.isLarge(5 * 1024 * 1024)).toBe(true);
    expect(UploadGate.isLarge(100_000)).toBe(false);
  });
});
