// What `sign --from` would do, for a review before it runs (the UI's sign dialog): the local image
// (source, root digest, blobs and their total size) and the roles this host would sign. Opening the
// image and the repository here reports a missing or corrupt image, or a host that cannot sign,
// before anything is pushed; signing then checks that the image is still the one reviewed.
import { parseReference, requireTag, type TaggedReference } from '../registry/reference.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { GoTime } from '../tuf/time.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { editableState } from './publish.js';
import { openLocal, parseFrom } from './push-local.js';
import { openRepository } from './repository.js';
import { signableRoles } from './sign.js';

export interface LocalSignPlan {
  gun: string;
  tag: string;
  /** The `--from` source, e.g. `oci:build/app:1.0`. */
  from: string;
  /** The manifest (or index) that will be tagged and signed. */
  root: { digest: string; size: number; mediaType: string };
  /** Manifests pushed: the root and, for a multi-platform image, its entries. */
  manifests: number;
  /** Configs and layers: how many, and their size in bytes together (what a push sends at most). */
  blobs: { count: number; bytes: number };
  /** Roles this host signs the tag in (those needing more signatures open a signing request). */
  roles: string[];
  /** The repository does not exist yet: it is initialised after the push, and this host signs it. */
  initialises: boolean;
}

export async function planLocalSign(ctx: TrustContext, input: string, from: string, options: ServerOptions = {}): Promise<LocalSignPlan> {
  const reference = requireTag(parseReference(input)) as TaggedReference;
  const image = await openLocal(ctx, parseFrom(from));
  try {
    const repo = await openRepository(ctx, reference, { ...options, allowMissing: true });
    const roles = repo.state ? await signableRoles(ctx, repo, new RepositoryEditor(editableState(repo.state), GoTime.now()), reference.tag) : [];
    return {
      gun: repo.gun,
      tag: reference.tag,
      from: image.source,
      root: { digest: image.root.digest, size: image.root.size, mediaType: image.root.mediaType },
      manifests: image.children.length + 1,
      blobs: { count: image.blobs.length, bytes: image.blobs.reduce((sum, b) => sum + b.size, 0) },
      roles,
      initialises: !repo.state,
    };
  } finally {
    await image.close();
  }
}
