// Placeholder for issue 12's push engine (engineer B's module replaces this file at merge).
import type { RegistryClient } from './client.js';
import type { LocalImage } from './local/image.js';
import type { PushProgressEvent, PushResult } from './push-types.js';
import type { TaggedReference } from './reference.js';

export async function pushImage(
  _client: RegistryClient,
  _reference: TaggedReference,
  _image: LocalImage,
  _options: { onProgress?(event: PushProgressEvent): void } = {},
): Promise<PushResult> {
  throw new Error('not implemented');
}
