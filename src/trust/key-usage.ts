// What the Keys screen shows beside each local key: the repositories whose trust data lists it and
// the tags it signed. Read from the same repository info as `trust-tui info` (no second reading of
// trust data here); a repository that cannot be read is left out rather than failing the list.
import type { RepositoryInfo } from './info.js';
import { RELEASES_ROLE, REPO_ADMIN } from '../tuf/repository-view.js';

export interface KeyUsage {
  /** GUNs whose root, targets or a signer role lists the key. */
  trustedBy: string[];
  /** Distinct `gun:tag` signed by a role that holds the key. */
  tagsSigned: number;
}

/** Key usage by canonical key ID (the ID of the private key file, as the keystore lists it). */
export function keyUsage(repositories: readonly RepositoryInfo[]): Map<string, KeyUsage> {
  const repos = new Map<string, Set<string>>();
  const tags = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, id: string, value: string) => {
    let set = map.get(id);
    if (!set) map.set(id, (set = new Set()));
    set.add(value);
  };

  for (const info of repositories) {
    const signedBy = (name: string) => info.tags.filter((t) => t.signers.includes(name)).map((t) => `${info.gun}:${t.tag}`);
    for (const signer of info.releases ? [...info.signers, info.releases] : info.signers) {
      // targets/releases is the shared role every signer writes to; a tag there counts for the
      // signer whose own role also holds it (docker's "Signers" column), not for every key.
      const signed = signer.role === RELEASES_ROLE ? [] : signedBy(signer.name);
      for (const key of signer.keys) {
        add(repos, key.id, info.gun);
        for (const tag of signed) add(tags, key.id, tag);
      }
    }
    for (const key of info.administrativeKeys.root) add(repos, key.canonicalId, info.gun);
    for (const key of info.administrativeKeys.repository) {
      add(repos, key.id, info.gun);
      // Tags in `targets` only are signed by the repository key (docker shows "Repo Admin").
      for (const tag of signedBy(REPO_ADMIN)) add(tags, key.id, tag);
    }
  }

  const usage = new Map<string, KeyUsage>();
  for (const [id, guns] of repos) usage.set(id, { trustedBy: [...guns].sort(), tagsSigned: tags.get(id)?.size ?? 0 });
  return usage;
}
