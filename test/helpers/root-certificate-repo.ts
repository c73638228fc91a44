/**
 * A repository (tag v1, server-held snapshot and timestamp keys) whose root certificate has the
 * validity period a test asks for: the server only stores a currently valid one, so an expired one is
 * published while it is still valid, and a not-yet-valid one is only ever built (for a cache or a proxy).
 */
import { generatePrivateKey } from '../../src/keys/index.js';
import type { NotaryClient } from '../../src/notary/http-client.js';
import type { JsonValue } from '../../src/tuf/canonical.js';
import { createRootCertificate } from '../../src/tuf/certificate-create.js';
import { RepositoryEditor } from '../../src/tuf/editor.js';
import { defaultExpires } from '../../src/tuf/expiry.js';
import { PublicKey } from '../../src/tuf/key.js';
import { FileMeta, Root } from '../../src/tuf/metadata/index.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { GoTime } from '../../src/tuf/time.js';

export interface BuiltRepository {
  files: Map<string, Buffer>;
  rootKey: PrivateKey;
  targetsKey: PrivateKey;
}

/** Builds (does not publish) `gun` with a root certificate valid from `from` for `seconds`. */
export async function buildWithRootCertificate(
  client: NotaryClient,
  gun: string,
  certificate: { from: Date; seconds: number },
  keys?: Omit<BuiltRepository, 'files'>,
  /** Custom data recorded with v1 (as `sign --meta` and notary's `--custom` do). */
  custom?: JsonValue,
): Promise<BuiltRepository> {
  const [timestampKey, snapshotKey] = [await client.getServerKey(gun, 'timestamp'), await client.getServerKey(gun, 'snapshot')];
  const rootKey = keys?.rootKey ?? (await generatePrivateKey('ecdsa'));
  const targetsKey = keys?.targetsKey ?? (await generatePrivateKey('ecdsa'));
  const pem = await createRootCertificate(rootKey, gun, certificate.from, certificate.seconds / (365 * 86_400));
  const now = GoTime.now();
  const editor = RepositoryEditor.create(
    Root.create({
      expires: defaultExpires('root', now),
      keys: {
        root: [new PublicKey('ecdsa-x509', Buffer.from(pem).toString('base64'))],
        targets: [targetsKey.publicKey],
        snapshot: [snapshotKey],
        timestamp: [timestampKey],
      },
    }),
    now,
  );
  editor.targets('targets').addTarget('v1', FileMeta.fromDigests({ length: 11, sha256: '1'.repeat(64) }, custom));
  const held = new Map([rootKey, targetsKey].map((k) => [k.id, k]));
  return { files: editor.build((id) => held.get(id), { signSnapshot: false }).files, rootKey, targetsKey };
}

export async function publishBuilt(client: NotaryClient, gun: string, built: BuiltRepository): Promise<void> {
  await client.publish(gun, [...built.files].map(([role, bytes]) => ({ role, bytes })));
}
