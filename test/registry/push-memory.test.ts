/**
 * A push streams its layers: pushImage bundled from bench/lib/push-entry.mjs, as the push benchmark
 * runs it, pushes a 160 MB layer to docker-registry 2.8 in a process whose peak RSS stays under
 * 150 MB, which reading the layer whole could not.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { writeLayout } from '../../bench/lib/oci-layout.js';
import { buildEntry } from '../../bench/lib/push-entry-build.js';
import { makeScratchDir, startRegistry, stopAllPeers } from '../helpers/peers.js';

afterAll(stopAllPeers);

const LAYER_BYTES = 160_000_000;

it('pushes a 160 MB layer with a peak RSS under 150 MB', async () => {
  const registry = await startRegistry();
  const scratch = await makeScratchDir('push-memory');
  await writeLayout(path.join(scratch, 'layout'), LAYER_BYTES);
  const entry = await buildEntry(scratch);
  const { code, out, err } = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [entry, path.join(scratch, 'layout'), `${registry.host}/memory/app:1`, path.join(scratch, 'cache')]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
  expect(code, err).toBe(0);
  const result = JSON.parse(out) as { blobs: { uploaded: number; bytesSent: number }; peakRssKb: number };
  expect(result.blobs.uploaded).toBe(2);
  expect(result.blobs.bytesSent).toBeGreaterThan(LAYER_BYTES);
  expect(result.peakRssKb / 1024).toBeLessThan(150);
}, 30_000);
