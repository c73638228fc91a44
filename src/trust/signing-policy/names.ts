// Who holds a key: the policy's signers first, then docker's convention that the keys of
// `targets/<name>` belong to <name> (docker/cli cli/command/trust/signer_add.go adds a signer's key
// to `targets/<name>` and to `targets/releases`).
import type { RepositoryView } from '../../tuf/repository-view.js';
import { RELEASES_ROLE } from '../../tuf/repository-view.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import type { SigningPolicy } from './schema.js';

export class KeyNames {
  readonly #names = new Map<string, string>();

  constructor(policy: SigningPolicy | undefined, view: RepositoryView) {
    for (const s of policy?.signers.values() ?? []) for (const k of s.keys) this.#names.set(k, s.name);
    for (const d of view.delegations()) {
      if (d.role === RELEASES_ROLE || d.role.split('/').length !== 2) continue;
      for (const k of d.keys) if (!this.#names.has(k.canonicalId)) this.#names.set(k.canonicalId, d.name);
    }
  }

  /** The holder's name, or undefined when nobody is known to hold the key. */
  nameOf(canonicalId: string): string | undefined {
    return this.#names.get(canonicalId);
  }

  /** `alice` or `9f8e21a` (a short key ID when the holder is unknown). */
  label(canonicalId: string): string {
    return this.nameOf(canonicalId) ?? shortKeyId(canonicalId);
  }

  /** Distinct labels, in order. */
  labels(canonicalIds: Iterable<string>): string[] {
    return [...new Set([...canonicalIds].map((k) => this.label(k)))];
  }
}
