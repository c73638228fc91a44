// node-forge takes about 45 ms to load: only commands that encrypt or decrypt a key file pay for it.
import type forge from 'node-forge';

export type Forge = typeof forge;

let loading: Promise<Forge> | undefined;

export function loadForge(): Promise<Forge> {
  loading ??= import('node-forge').then((m) => m.default);
  return loading;
}
