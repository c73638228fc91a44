// `policy init --from REPO`: a policy that describes a repository as it is now (the "import" step):
// signers named by docker's `targets/<name>` convention, keys by canonical ID, every delegation with
// its threshold and paths, and the root key pin. A plan against it reports no changes.
import { Document, isScalar, isSeq, visit } from 'yaml';
import { compareUtf8 } from '../../tuf/canonical.js';
import { RELEASES_ROLE, type RepositoryView } from '../../tuf/repository-view.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { POLICY_SCHEMA_VERSION } from './schema.js';

interface RoleEntry {
  signers: string[];
  threshold?: number;
  paths?: string[];
}

export function policyFromRepository(view: RepositoryView): Record<string, unknown> {
  const owner = new Map<string, string>();
  const signers: Record<string, { key?: string; keys?: string[] }> = {};
  const delegations = view.delegations();
  // Per-signer roles first (docker's convention), then keys nobody is named for.
  const ordered = [
    ...delegations.filter((d) => d.role !== RELEASES_ROLE && d.role.split('/').length === 2).sort((a, b) => compareUtf8(a.name, b.name)),
    ...delegations.filter((d) => d.role === RELEASES_ROLE || d.role.split('/').length !== 2),
  ];
  for (const d of ordered) {
    const perSigner = d.role !== RELEASES_ROLE && d.role.split('/').length === 2;
    for (const k of d.keys) {
      if (owner.has(k.canonicalId)) continue;
      const name = perSigner && !signers[d.name] ? d.name : perSigner ? `${d.name}-${shortKeyId(k.canonicalId)}` : `key-${shortKeyId(k.canonicalId)}`;
      const entry = (signers[name] ??= {});
      if (entry.key) entry.keys = [entry.key, k.canonicalId];
      else if (entry.keys) entry.keys.push(k.canonicalId);
      else entry.key = k.canonicalId;
      if (entry.keys) delete entry.key;
      owner.set(k.canonicalId, name);
    }
  }
  const roles: Record<string, RoleEntry> = {};
  for (const d of delegations) {
    const names = [...new Set(d.keys.map((k) => owner.get(k.canonicalId)!))];
    if (names.length === 0) continue; // a role without keys cannot be described by signers
    const distinct = new Set(d.keys.map((k) => k.canonicalId)).size;
    roles[d.role] = {
      signers: names,
      ...(d.threshold !== 1 ? { threshold: Math.min(d.threshold, distinct) } : {}),
      ...(d.paths.length === 1 && d.paths[0] === '' ? {} : { paths: [...d.paths] }),
    };
  }
  const rootKeys = [...new Set(view.administrativeKeys().root.map((k) => k.canonicalId))];
  return {
    version: POLICY_SCHEMA_VERSION,
    signers,
    repositories: [
      {
        match: view.gun,
        root: { keys: rootKeys },
        roles,
        deployable: 'released',
        unknown_keys: 'error',
      },
    ],
  };
}

export function policyText(view: RepositoryView, when: Date): string {
  const header = [
    `# Signing policy written by trust-tui policy init from ${view.gun} on ${when.toISOString().slice(0, 10)}.`,
    '# Schema: docs/policy.md. Keys are canonical key IDs (as trust-tui inspect prints them).',
    '# Edit it (thresholds, teams, deployable: {all_of: [...]}, expiry) and run: trust-tui policy plan',
    '',
  ].join('\n');
  const doc = new Document(policyFromRepository(view));
  // Short lists and one-line mappings read best inline: `alice: { key: … }`, `signers: [alice, bob]`.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node) {
      if (node.items.every((p) => isScalar(p.value) || (isSeq(p.value) && p.value.items.every((i) => isScalar(i))))) node.flow = node.items.length <= 3 && !node.items.some((p) => isScalar(p.key) && p.key.value === 'match');
    },
  });
  return header + doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
