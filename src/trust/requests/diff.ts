// The change a request makes, computed here from the trusted file and the proposed content — never
// from a summary carried in the request.
import type { PublicKey } from '../../tuf/key.js';
import { Targets } from '../../tuf/metadata/index.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { canonicalIdOf } from '../../tuf/verification.js';

function digestOf(meta: { hex(a: 'sha256'): string | undefined; length: number }): string {
  return `sha256:${meta.hex('sha256') ?? '?'} (${meta.length} bytes)`;
}

const keyName = (k: PublicKey, names: ReadonlyMap<string, string>): string => {
  const id = canonicalIdOf(k);
  const name = names.get(id);
  return name ? `${name} (${shortKeyId(id)})` : shortKeyId(id);
};

/** One line per change between `before` (undefined: the role is new) and `after`. */
export function describeTargetsChange(before: Targets | undefined, after: Targets, names: ReadonlyMap<string, string> = new Map()): string[] {
  const lines: string[] = [`${after.roleName}: version ${before ? `${before.version} → ` : ''}${after.version}, expires ${after.expires.toString()}`];
  const old = before?.targets ?? new Map();
  for (const [tag, meta] of after.targets) {
    const was = old.get(tag);
    if (!was) lines.push(`  + tag ${tag} ${digestOf(meta)}`);
    else if (was.hex('sha256') !== meta.hex('sha256') || was.length !== meta.length) lines.push(`  ~ tag ${tag} ${digestOf(was)} → ${digestOf(meta)}`);
  }
  for (const tag of old.keys()) if (!after.targets.has(tag)) lines.push(`  - tag ${tag}`);
  const oldRoles = new Map((before?.delegations ?? []).map((d) => [d.name, d]));
  for (const d of after.delegations) {
    const was = oldRoles.get(d.name);
    const keys = after.delegationKeysOf(d);
    if (!was) {
      lines.push(`  + role ${d.name}: ${d.threshold} of ${keys.map((k) => keyName(k, names)).join(', ')}`);
      continue;
    }
    if (was.threshold !== d.threshold) lines.push(`  ~ ${d.name} threshold ${was.threshold} → ${d.threshold}`);
    const wasKeys = before!.delegationKeysOf(was);
    const wasIds = new Set(wasKeys.map((k) => k.id));
    const nowIds = new Set(keys.map((k) => k.id));
    for (const k of keys) if (!wasIds.has(k.id)) lines.push(`  ~ ${d.name} + key ${keyName(k, names)}`);
    for (const k of wasKeys) if (!nowIds.has(k.id)) lines.push(`  ~ ${d.name} - key ${keyName(k, names)}`);
    if (was.paths.join('\n') !== d.paths.join('\n')) lines.push(`  ~ ${d.name} paths ${JSON.stringify(was.paths)} → ${JSON.stringify(d.paths)}`);
  }
  for (const name of oldRoles.keys()) if (!after.getDelegation(name)) lines.push(`  - role ${name}`);
  if (lines.length === 1) lines.push('  (content unchanged: a re-signature)');
  return lines;
}

/**
 * The same change carried over to a new base (rebase): tags added, changed or removed and
 * delegations added, changed or removed between `from` and `to` are applied to `onto`.
 */
export function replayChange(from: Targets | undefined, to: Targets, onto: Targets): Targets {
  const next = onto.clone();
  const old = from?.targets ?? new Map();
  for (const [tag, meta] of to.targets) {
    const was = old.get(tag);
    if (!was || was.hex('sha256') !== meta.hex('sha256') || was.length !== meta.length) next.addTarget(tag, meta);
  }
  for (const tag of old.keys()) if (!to.targets.has(tag)) next.removeTarget(tag);
  const oldRoles = new Map((from?.delegations ?? []).map((d) => [d.name, d]));
  for (const d of to.delegations) {
    const was = oldRoles.get(d.name);
    const keys = to.delegationKeysOf(d);
    const wasIds = new Set(was ? was.keyIds : []);
    const nowIds = new Set(d.keyIds);
    const changed = !was || was.threshold !== d.threshold || keys.some((k) => !wasIds.has(k.id)) || was.keyIds.some((id) => !nowIds.has(id));
    if (!changed) continue;
    const current = next.getDelegation(d.name);
    next.updateDelegation(d.name, {
      addKeys: keys.filter((k) => !wasIds.has(k.id) || !current),
      removeKeyIds: was ? was.keyIds.filter((id) => !nowIds.has(id)) : [],
      threshold: d.threshold,
      ...(current ? {} : { addPaths: [...d.paths] }),
    });
  }
  for (const name of oldRoles.keys()) if (!to.getDelegation(name)) next.removeDelegation(name);
  return next;
}

export function parseTargets(json: unknown, role: string): Targets {
  return Targets.fromJSON(json, role);
}
