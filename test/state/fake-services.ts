// In-memory Services for store and screen tests: a small trust world that records every call.
import type { PassphraseRequest } from '../../src/keys/passphrase.js';
import { ServerUnreachableError } from '../../src/notary/http-errors.js';
import {
  type ConfigChange,
  type ConfigView,
  type DestructivePlan,
  type ExpiryRow,
  type KeyRow,
  type ListedRequest,
  type OperationPorts,
  type RepoRow,
  type Services,
  type SignerRow,
  type ReleasesSignoff,
  type MigrationPlan,
  type SweepPlan,
  type TagRow,
} from '../../src/state/services.js';
import { configView } from '../../src/state/trust-services.js';
import type { ApplyPlan, ApplyResult } from '../../src/trust/signing-policy/apply.js';
import type { PolicyRow } from '../../src/trust/signing-policy/overview.js';
import type { PlanChange, RepositoryPlan } from '../../src/trust/signing-policy/plan.js';
import { pinRefusal, type PinOnCertificate } from '../../src/trust/renew-pins.js';
import { SERVER_RENEWAL } from '../../src/trust/expiry.js';
import type { SettingsData } from '../../src/config/settings.js';

export const KEY_A = 'a'.repeat(8) + '1'.repeat(56);
export const KEY_B = 'b'.repeat(8) + '2'.repeat(56);

export interface FakeWorld {
  repos: RepoRow[];
  tags: Record<string, TagRow[]>;
  signers: Record<string, SignerRow[]>;
  /** targets/releases' k of n and who signed it, per repository (none: no releases role). */
  releases?: Record<string, ReleasesSignoff>;
  /** `signer add` opens a signing request (this host lacks a signature the change needs). */
  addOpensRequest?: boolean;
  /** Removing a signer goes through a signing request (k-of-n releases): nothing is published. */
  removalOpensRequest?: boolean;
  keys: KeyRow[];
  settings: SettingsData;
  calls: string[];
  /** Passphrases operations received (what the user typed in the dialog). */
  passphrasesSeen: string[];
  /** Sweep items completed, by "gun role". */
  swept: Set<string>;
  /** `gun to` pairs migrated. */
  migrated: Set<string>;
  /** Repositories whose server is unreachable (their tags come from the cache). */
  offline: Set<string>;
  /** `gun:tag signer` exported to cosign. */
  exported: Set<string>;
  /** The Expiry screen's rows, soonest first. */
  expiries: ExpiryRow[];
  /** Repositories whose server cannot re-sign the timestamp because their root expired. */
  rootExpired?: string[];
  /** Pins on the root certificate a renewal of the repository replaces. */
  renewPins: Record<string, PinOnCertificate[]>;
  /** When set, each repository of a renewal waits for it (to see the progress). */
  renewalGate?: Promise<void>;
  /** Open signing requests (the Requests screen's rows). */
  requests: ListedRequest[];
  /** The policy file the Policy screen reads (undefined: there is none). */
  policy?: { file: string; rows: PolicyRow[]; plans: Record<string, ApplyPlan>; results: Record<string, ApplyResult>; applied?: ApplyPlan };
}

/** A request row whose one role has `signed` of `threshold` signatures; the status in src/trust's words. */
export function fakeRequest(
  id: string,
  gun: string,
  signed: string[],
  waitingOn: string[],
  threshold: number,
  state: NonNullable<ListedRequest['evaluation']>['state'] = signed.length >= threshold ? 'ready' : 'waiting',
  status = signed.length >= threshold ? `${signed.length} of ${threshold} signed — ready to submit` : `${signed.length} of ${threshold} signed — waiting on ${waitingOn.join(' and ')}`,
): ListedRequest {
  const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const result = {
    threshold,
    distinctKeys: signed.length + waitingOn.length,
    signed: signed.map((n) => ({ keyid: n, canonicalId: n })),
    unsigned: waitingOn,
    ignored: [],
    mismatchedKeyIds: [],
    verified: signed.length >= threshold,
    missing: Math.max(0, threshold - signed.length),
    unsatisfiable: false,
  };
  const role = { role: 'targets/releases', version: 4, result, signedBy: signed, waitingOn, contentExpired: false, landed: false };
  return { id, gun, roles: ['targets/releases'], note: 'release v2', deadline, evaluation: { id, gun, state, status, deadline, roles: [role] } };
}

export function expiry(gun: string, role: string, days: number, renewer: ExpiryRow['renewer'] = { kind: 'this-host' }): ExpiryRow {
  const msLeft = days * 86_400_000;
  return {
    gun,
    role,
    kind: role === 'root certificate' ? 'certificate' : 'role',
    ...(role === 'root certificate' ? { keyId: 'c'.repeat(64) } : { version: 1 }),
    expires: new Date(Date.parse('2026-12-01T00:00:00Z') + msLeft).toISOString(),
    msLeft,
    timeLeft: days < 0 ? `expired ${-days}d ago` : `${days}d`,
    state: days < 0 ? 'expired' : days < 180 ? 'expires-soon' : 'valid',
    renewer,
    needsAction: renewer.kind !== 'server',
    offline: false,
  };
}

export function tag(name: string, signers = ['alice'], verified = true): TagRow {
  return { tag: name, digest: `sha256:${name.padEnd(64, '0')}`, size: 1234, signers, verified, ...(verified ? {} : { problem: 'signature expired' }) };
}

export function fakeWorld(): FakeWorld {
  return {
    repos: [
      { gun: 'example.com/team/app', tagCount: 3, signerCount: 2, state: 'online', source: 'watched', earliestExpiry: '2030-01-01T00:00:00Z' },
      { gun: 'example.com/team/db', tagCount: 1, signerCount: 1, state: 'cached', source: 'cache' },
      { gun: 'example.com/other/web', tagCount: 0, signerCount: 0, state: 'offline', source: 'changefeed' },
    ],
    tags: {
      'example.com/team/app': [tag('v1'), tag('v2', ['alice', 'bob']), tag('latest', ['bob'], false)],
      'example.com/team/db': [tag('v9', ['bob'])],
    },
    signers: {
      'example.com/team/app': [
        { name: 'alice', keyIds: [KEY_A], threshold: 1, tagsSigned: 2 },
        { name: 'bob', keyIds: [KEY_B], threshold: 1, tagsSigned: 2 },
      ],
      'example.com/team/db': [{ name: 'bob', keyIds: [KEY_B], threshold: 1, tagsSigned: 1 }],
    },
    keys: [
      { id: KEY_A, role: 'alice', type: 'ecdsa', trustedBy: ['example.com/team/app'], tagsSigned: 2 },
      { id: KEY_B, role: 'bob', type: 'ed25519', trustedBy: ['example.com/team/app', 'example.com/team/db'], tagsSigned: 3 },
      { id: 'c'.repeat(64), role: 'root', type: 'ecdsa', trustedBy: [], tagsSigned: 0 },
    ],
    settings: { tofu: true, pins: {}, servers: { 'example.com/*': { url: 'https://notary.example.com' } }, watched: ['example.com/team/app'], keyTypes: {} },
    calls: [],
    passphrasesSeen: [],
    swept: new Set(),
    migrated: new Set(),
    offline: new Set(),
    exported: new Set(),
    expiries: [
      expiry('example.com/team/app', 'targets/releases', -2),
      expiry('example.com/team/app', 'targets/carol', 5, { kind: 'others', who: 'carol', keyIds: [KEY_B], command: 'trust-tui renew example.com/team/app --role targets/carol' }),
      expiry('example.com/team/db', 'timestamp', 12, { kind: 'server', note: SERVER_RENEWAL.timestamp }),
      expiry('example.com/team/app', 'targets', 40),
      expiry('example.com/team/app', 'root certificate', 3000),
    ],
    renewPins: {},
    requests: [
      fakeRequest('a1b2c3d4e5f6', 'example.com/team/app', ['alice', 'bob'], ['carol'], 3),
      fakeRequest('0badc0ffee00', 'example.com/team/db', ['bob'], ['alice'], 2, 'stale', 'stale: releases moved to v5 — rebase needed'),
    ],
  };
}

/** The fake's settings change (the real one is src/trust/config.ts, tested against files). */
function applyConfigChange(draft: SettingsData, change: ConfigChange): void {
  switch (change.kind) {
    case 'tofu':
      draft.tofu = change.enabled;
      return;
    case 'server':
      if (change.url === null) delete draft.servers[change.prefix];
      else draft.servers[change.prefix] = { url: change.url, ...(change.ca ? { ca: change.ca } : {}) };
      return;
    case 'pin':
      if (change.files === null) delete draft.pins[change.prefix];
      else draft.pins[change.prefix] = { certs: change.files };
      return;
    case 'watch':
      if (!draft.watched.includes(change.gun)) draft.watched.push(change.gun);
      return;
    case 'unwatch':
      draft.watched = draft.watched.filter((g) => g !== change.gun);
      return;
  }
}

async function ask(ports: OperationPorts, req: Partial<PassphraseRequest> = {}): Promise<string> {
  return ports.passphrases.get({ keyId: KEY_A, role: 'targets', purpose: 'unlock', attempt: 0, ...req });
}

export function fakeServices(world = fakeWorld()): Services & { world: FakeWorld } {
  const record = (call: string) => world.calls.push(call);
  const view = (): ConfigView => configView('/trust', '/cfg/config.json', world.settings);
  return {
    world,
    listKeys: async () => world.keys,
    inspectKeyFile: async (path) => {
      if (path.endsWith('.pub')) return { path, kind: 'public', id: KEY_B, type: 'ed25519', encrypted: false, role: 'bob' };
      if (path.includes('missing')) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return { path, kind: 'private', encrypted: true, ...(path.includes('norole') ? {} : { role: 'carol' }) };
    },
    importKey: async (path, name, ports) => {
      record(`importKey ${path} ${name ?? ''}`);
      world.passphrasesSeen.push(await ask(ports, { keyId: path, role: name ?? 'carol' }));
      world.passphrasesSeen.push(await ask(ports, { keyId: 'd'.repeat(64), role: name ?? 'carol', purpose: 'new' }));
      const key: KeyRow = { id: 'd'.repeat(64), role: name ?? 'carol', type: 'ecdsa', trustedBy: [], tagsSigned: 0 };
      world.keys = [...world.keys, key];
      return { id: key.id, role: key.role, type: key.type };
    },
    generateKey: async (name, type, dir, ports) => {
      record(`generateKey ${name} ${type} ${dir}`);
      world.passphrasesSeen.push(await ask(ports, { role: name, purpose: 'new' }));
      return { id: 'e'.repeat(64), name, type, publicKeyFile: `${dir}/${name}.pub` };
    },
    readConfig: async () => view(),
    updateConfig: async (change: ConfigChange) => {
      record(`updateConfig ${JSON.stringify(change)}`);
      applyConfigChange(world.settings, change);
      return view();
    },
    listRepositories: async () => world.repos,
    listTags: async (gun) => ({ rows: world.tags[gun] ?? [], offline: world.offline.has(gun), server: 'https://notary.example.com' }),
    listSigners: async (gun) => {
      const releases = world.releases?.[gun];
      const rows = (world.signers[gun] ?? []).map((s) => (releases ? { ...s, releasesSigned: releases.bySigner.some((b) => b.name === s.name && b.signed) } : s));
      return { rows, offline: world.offline.has(gun), server: 'https://notary.example.com', ...(releases ? { releases } : {}) };
    },
    describeTag: async (gun, tagName) => {
      const t = (world.tags[gun] ?? []).find((x) => x.tag === tagName)!;
      const keyOf = (name: string) => (name === 'alice' ? KEY_A : KEY_B);
      return {
        gun,
        tag: tagName,
        signatures: t.signers.map((name) => ({ role: `targets/${name}`, digest: t.digest.slice(7), size: t.size, keyIds: [keyOf(name)], threshold: 1, expires: '2030-01-01T00:00:00Z' })),
        ...(world.releases?.[gun] ? { releases: world.releases[gun] } : {}),
      };
    },
    describeSigner: async (gun, name) => {
      const s = (world.signers[gun] ?? []).find((x) => x.name === name)!;
      return {
        gun,
        name,
        role: `targets/${name}`,
        threshold: s.threshold,
        paths: [''],
        state: 'trusted',
        expires: '2030-01-01T00:00:00Z',
        keys: s.keyIds.map((id) => ({ id, type: 'ecdsa', held: true })),
        tags: (world.tags[gun] ?? []).filter((t) => t.signers.includes(name)).map((t) => t.tag),
      };
    },
    describeKey: async (keyId) => ({
      roles: Object.entries(world.signers).flatMap(([gun, signers]) =>
        signers.filter((s) => s.keyIds.includes(keyId)).flatMap((s) => [{ gun, role: `targets/${s.name}` }, { gun, role: 'targets/releases' }]),
      ),
      unreadable: [],
    }),
    resolveManifest: async (gun, tagName) => {
      const known = world.tags[gun]?.find((t) => t.tag === tagName);
      if (!known) throw new Error(`cannot reach registry ${gun.split('/')[0]}: getaddrinfo ENOTFOUND`);
      return { digest: known.digest, size: known.size };
    },
    signTag: async (gun, tagName, manifest, ports) => {
      record(`signTag ${gun} ${tagName} ${manifest.digest} ${manifest.size}`);
      world.passphrasesSeen.push(await ask(ports));
      world.tags[gun] = [...(world.tags[gun] ?? []).filter((t) => t.tag !== tagName), tag(tagName)];
      return { gun, tag: tagName, digest: manifest.digest, roles: ['targets/releases'], released: true };
    },
    // A local image: "missing" in the path cannot be opened; every other one has three blobs, pushed
    // (a progress event per half blob) and signed in targets/releases.
    planLocalSign: async (gun, tagName, from) => {
      record(`planLocalSign ${gun} ${tagName} ${from}`);
      if (from.includes('missing')) throw new Error(`${from}: no index.json in ${from.slice(from.indexOf(':') + 1)}`);
      return {
        gun,
        tag: tagName,
        from,
        root: { digest: `sha256:${'e'.repeat(64)}`, size: 1234, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
        manifests: 1,
        blobs: { count: 3, bytes: 6_000_000 },
        roles: ['targets/releases'],
        initialises: false,
      };
    },
    signLocal: async (plan, ports, onProgress) => {
      record(`signLocal ${plan.gun} ${plan.tag} ${plan.from} ${plan.root.digest}`);
      for (const [i, size] of [1_000_000, 2_000_000, 3_000_000].entries()) {
        const digest = `sha256:${String(i + 1).repeat(64)}`;
        onProgress({ kind: 'blob', digest, size, state: 'uploading', sent: size / 2 });
        onProgress({ kind: 'blob', digest, size, state: i === 0 ? 'exists' : 'pushed', sent: size });
      }
      onProgress({ kind: 'manifest', digest: plan.root.digest, size: plan.root.size, mediaType: plan.root.mediaType, target: plan.tag });
      world.passphrasesSeen.push(await ask(ports));
      world.tags[plan.gun] = [...(world.tags[plan.gun] ?? []).filter((t) => t.tag !== plan.tag), tag(plan.tag)];
      return {
        gun: plan.gun,
        tag: plan.tag,
        digest: plan.root.digest,
        roles: ['targets/releases'],
        released: true,
        pushed: { source: plan.from, blobs: { uploaded: 2, existing: 1, mounted: 0, bytesSent: 5_000_000 }, manifests: 1 },
      };
    },
    planRevokeTag: async (gun, tagName) =>
      ({
        kind: 'revoke-tag',
        gun,
        tag: tagName,
        roles: ['targets/releases'],
        remaining: [],
        title: `Revoke ${gun}:${tagName}`,
        confirmText: tagName,
        changes: [`tag ${tagName} is removed from targets/releases`],
        tagsLosingLastSignature: [tagName],
        delivery: 'publish',
        doneMessage: `Revoked ${gun}:${tagName}`,
        snapshotVersion: 1,
      }) satisfies DestructivePlan,
    planAddSigner: async (gun, name) => {
      record(`planAddSigner ${gun} ${name}`);
      return { delivery: world.addOpensRequest ? 'request' : 'publish' };
    },
    addSigner: async (gun, name, keys, ports, threshold, delivery) => {
      record(`addSigner ${gun} ${name} ${JSON.stringify(keys)}${threshold !== undefined ? ` threshold ${threshold}` : ''}`);
      if (delivery !== (world.addOpensRequest ? 'request' : 'publish')) throw new Error(`${gun} changed since this preview, so nothing was changed`);
      world.passphrasesSeen.push(await ask(ports));
      const signer: SignerRow = { name, keyIds: keys.map((k) => (k.from === 'keystore' ? k.id : KEY_B)), threshold: 1, tagsSigned: 0 };
      const from = world.releases?.[gun]?.threshold ?? 1;
      const releases = { from, to: threshold ?? from };
      if (world.addOpensRequest) {
        return { ...signer, changes: [], releases, request: { id: 'req-1', location: '.trust-tui/requests/req-1.json', status: 'needs 1 more signature' } };
      }
      world.signers[gun] = [...(world.signers[gun] ?? []), signer];
      const r = world.releases?.[gun];
      if (r) r.threshold = releases.to;
      return { ...signer, releases, changes: [`targets/${name}: added with key(s) ${signer.keyIds.map((id) => id.slice(0, 7)).join(', ')}, threshold 1`] };
    },
    listExpiries: async (withinDays) => {
      record(`listExpiries ${withinDays ?? 'all'}`);
      const rows = world.expiries.filter((e) => withinDays === undefined || e.msLeft <= withinDays * 86_400_000);
      return { rows, offline: [], rootExpired: world.rootExpired ?? [], unreadable: [] };
    },
    planRenewal: async (repositories, _withinDays, onProgress) => {
      record(`planRenewal ${repositories === 'all' ? 'all' : repositories.join(' ')}`);
      const guns = repositories === 'all' ? [...new Set(world.expiries.map((e) => e.gun))].sort() : repositories;
      const role = (e: ExpiryRow) => ({ role: e.role, expires: e.expires, lifetimeMs: 3 * 365 * 86_400_000 });
      return {
        // As the real service: the UI's confirmation is the consent to move pins.
        selection: { updatePins: true },
        repositories: guns.map((gun, i) => {
          onProgress?.({ index: i + 1, total: guns.length, gun });
          const mine = world.expiries.filter((e) => e.gun === gun);
          const pins = world.renewPins[gun] ?? [];
          const refused = pinRefusal(gun, pins, true);
          return {
            gun,
            roles: mine.filter((e) => e.renewer.kind === 'this-host' && e.kind === 'role').map(role),
            certificates: [],
            others: mine.flatMap((e) => (e.renewer.kind === 'others' ? [{ role: e.role, expires: e.expires, who: e.renewer.who, keyIds: e.renewer.keyIds, command: e.renewer.command }] : [])),
            server: [],
            offline: false,
            pins,
            ...(refused ? { refused } : {}),
          };
        }),
        unreadable: [],
        notaryConfigs: [],
      };
    },
    runRenewal: async (plan, _ports, onProgress) => {
      record(`runRenewal ${plan.repositories.map((r) => `${r.gun}:${r.roles.map((x) => x.role).join(',')}`).join(' ')}`);
      const work = plan.repositories.filter((r) => r.roles.length > 0 && !r.refused);
      for (const [i, r] of work.entries()) {
        onProgress?.({ index: i + 1, total: work.length, gun: r.gun });
        await world.renewalGate;
      }
      const renewed = new Set(work.flatMap((r) => r.roles.map((x) => `${r.gun} ${x.role}`)));
      world.expiries = world.expiries.map((e) => (renewed.has(`${e.gun} ${e.role}`) ? { ...e, state: 'valid', msLeft: 1095 * 86_400_000, timeLeft: '3y', expires: '2029-12-01T00:00:00.000Z' } : e));
      return work.map((r) => ({
        gun: r.gun,
        status: 'renewed' as const,
        renewed: r.roles.map((x) => ({ role: x.role, version: 2, expires: '2029-12-01T00:00:00.000Z' })),
        certificates: [],
      }));
    },
    planRemoveSigner: async (gun, name, keyId) =>
      ({
        kind: keyId ? 'remove-signer-key' : 'remove-signer',
        gun,
        signer: name,
        ...(keyId ? { keyId } : {}),
        roleChanges: [],
        skipped: [],
        title: keyId ? `Remove key ${keyId.slice(0, 7)} from signer ${name}` : `Remove signer ${name} from ${gun}`,
        confirmText: keyId ? keyId.slice(0, 7) : name,
        changes: [keyId ? `key ${keyId.slice(0, 7)} leaves ${name}` : `signer ${name} is removed`],
        tagsLosingLastSignature: ['v1'],
        delivery: world.removalOpensRequest ? 'request' : 'publish',
        doneMessage: keyId ? `Removed key ${keyId.slice(0, 7)} from ${name}` : `Removed signer ${name} from ${gun}`,
        snapshotVersion: 1,
      }) satisfies DestructivePlan,
    executePlan: async (plan, ports) => {
      world.passphrasesSeen.push(await ask(ports));
      if (plan.kind === 'revoke-tag') {
        record(`revokeTag ${plan.gun} ${plan.tag}`);
        world.tags[plan.gun] = (world.tags[plan.gun] ?? []).filter((t) => t.tag !== plan.tag);
      } else {
        record(`removeSigner ${plan.gun} ${plan.signer} ${plan.keyId ?? ''}`);
        world.signers[plan.gun] = (world.signers[plan.gun] ?? []).filter((s) => s.name !== plan.signer || plan.keyId !== undefined);
      }
      const changes = plan.kind === 'revoke-tag' ? [`tag ${plan.tag} removed`] : [];
      return { plan, changes, tagsNoLongerReleased: [], message: changes.length ? `${plan.doneMessage}: ${changes.join('; ')}` : plan.doneMessage };
    },
    exportPolicy: async (gun, format, threshold, output) => {
      record(`exportPolicy ${gun} ${format} ${threshold}${output ? ` ${output}` : ''}`);
      const signers = (world.signers[gun] ?? []).map((s) => s.name);
      return { gun, threshold, signers, content: `# ${format}\nkind: Fake\n`, ...(output ? { written: output } : {}) };
    },
    exportReport: async (gun) => {
      record(`exportReport ${gun}`);
      const exported = world.exported;
      const tags = world.tags[gun] ?? [];
      const lines = tags.map((t) => {
        const done = t.signers.filter((s) => exported.has(`${gun}:${t.tag} ${s}`));
        const missing = t.signers.filter((s) => !done.includes(s));
        return `${t.tag}: ${done.length} of ${t.signers.length} exported${missing.length ? ` — waiting on ${missing.join(', ')}` : ''}`;
      });
      const pendingOf = (signer: string) => tags.filter((t) => t.signers.includes(signer) && !exported.has(`${gun}:${t.tag} ${signer}`)).map((t) => t.tag);
      return { gun, lines, held: ['alice'], pending: { alice: { cosign: pendingOf('alice'), notation: pendingOf('alice') } } };
    },
    exportSignatures: async (gun, signer, format, ports) => {
      world.passphrasesSeen.push(await ask(ports));
      record(`exportSignatures ${gun} ${signer} ${format}`);
      const lines = [];
      for (const t of world.tags[gun] ?? []) {
        if (!t.signers.includes(signer)) continue;
        world.exported.add(`${gun}:${t.tag} ${signer}`);
        lines.push(`${t.tag}: written and verified: .sig, bundle`);
      }
      return lines;
    },
    planSweep: async (target) => {
      record(`planSweep ${JSON.stringify(target)}`);
      const items = ['example.com/team/app', 'example.com/team/db'].map((gun) => ({
        gun,
        role: 'targets/bob',
        keyIds: [KEY_B],
        outcome: 'removed',
        tags: [{ tag: 'v2', losesLastSignature: false }],
        done: world.swept.has(`${gun} targets/bob`),
      }));
      return { target, confirmText: target.kind === 'key' ? target.keyId.slice(0, 7) : target.name, items, unreadable: [] } satisfies SweepPlan;
    },
    runSweep: async (plan, ports, onProgress) => {
      const pending = plan.items.filter((i) => !i.done);
      const outcomes = [];
      for (const [index, item] of pending.entries()) {
        if (ports.signal?.aborted) {
          // stops between repositories; the rest are reported as left for a rerun (as src/trust/sweep.ts does)
          outcomes.push({ gun: item.gun, role: item.role, status: 'skipped' as const, message: 'stopped before this repository' });
          continue;
        }
        onProgress({ index: index + 1, total: pending.length, gun: item.gun });
        await new Promise((r) => setTimeout(r, 20));
        world.swept.add(`${item.gun} ${item.role}`);
        record(`sweep ${item.gun}`);
        outcomes.push({ gun: item.gun, role: item.role, status: 'done' as const });
      }
      return outcomes;
    },
    planMigration: async (request) => {
      record(`planMigration ${JSON.stringify(request)}`);
      const source = [
        { tag: 'v1', digest: 'a'.repeat(64), signers: ['Repo Admin'] },
        { tag: 'v2', digest: 'b'.repeat(64), signers: ['alice', 'bob'] },
      ];
      const migrated = world.migrated.has(`${request.gun} ${request.to}`);
      const expiredBlocks = request.gun.endsWith('/db') && !request.renewExpired;
      return {
        from: request.fromCache ? 'cache:/trust' : 'https://notary.test',
        to: request.to,
        repositories: [
          {
            gun: request.gun,
            action: migrated ? 'already-migrated' : expiredBlocks ? 'blocked' : 'migrate',
            ...(expiredBlocks ? { problem: 'targets/bob expired on 2026-01-01', hint: { cli: 'add --renew-expired', ui: 'renew expired roles on the way' } } : {}),
            sourceRootVersion: 1,
            rootVersions: migrated ? [] : [2],
            unchangedRoles: ['targets', 'targets/releases'],
            renewedRoles: request.renewExpired ? ['targets/bob'] : [],
            expired: request.gun.endsWith('/db') ? [{ role: 'targets/bob', expires: '2026-01-01T00:00:00.000Z', outcome: request.renewExpired ? 'renewed' : 'blocks' }] : [],
            skipped: [],
            source,
            ...(migrated ? { destination: source } : {}),
          },
        ],
        clientAdvice: [`docker: export DOCKER_CONTENT_TRUST_SERVER=${request.to}`],
      } satisfies MigrationPlan;
    },
    runMigration: async (plan, ports, onProgress) => {
      world.passphrasesSeen.push(await ask(ports));
      return plan.repositories.map((item, index) => {
        onProgress({ index: index + 1, total: plan.repositories.length, gun: item.gun, step: 'publishing root version 2' });
        record(`migrate ${item.gun} ${plan.to}`);
        world.migrated.add(`${item.gun} ${plan.to}`);
        return { gun: item.gun, status: 'migrated' as const, rootVersion: 2, source: item.source, destination: item.source };
      });
    },
    // Signing requests: a small in-memory store (the real flows are tested against a real server).
    listRequests: async () => world.requests,
    showRequest: async (ref) => {
      const r = world.requests.find((x) => x.id === ref);
      if (!r?.evaluation) throw new Error(`no signing request ${ref} here`);
      record(`showRequest ${ref}`);
      return {
        request: { type: 'trust-tui/signing-request', version: 1, id: r.id, gun: r.gun, created: r.deadline, deadline: r.deadline, note: r.note, roles: [] },
        location: `/trust/requests/${r.id}.json`,
        evaluation: r.evaluation,
        diff: ['releases: + tag v2 sha256:2222 (1234 bytes)'],
      };
    },
    approveRequest: async (ref, ports) => {
      record(`approveRequest ${ref}`);
      world.passphrasesSeen.push(await ask(ports, { role: 'targets/releases' }));
      const r = world.requests.find((x) => x.id === ref)!;
      const e = r.evaluation!.roles[0]!;
      const next = fakeRequest(r.id, r.gun, [...e.signedBy, ...e.waitingOn.slice(0, 1)], e.waitingOn.slice(1), e.result.threshold);
      world.requests = world.requests.map((x) => (x.id === ref ? next : x));
      return { request: { type: 'trust-tui/signing-request', version: 1, id: ref, gun: r.gun, created: r.deadline, deadline: r.deadline, note: r.note, roles: [] }, location: '', evaluation: next.evaluation!, diff: [], signedWith: [KEY_A] };
    },
    // `<signer>.sig.json` adds that signer's signature to the first request; `<id>.request.json`
    // imports a request not known here; anything else is not a request (as src/trust says).
    mergeRequestFiles: async (files) => {
      const file = files[0]!;
      record(`mergeRequestFiles ${file}`);
      const name = file.split('/').at(-1)!;
      const request = (r: ListedRequest) => ({ type: 'trust-tui/signing-request' as const, version: 1 as const, id: r.id, gun: r.gun, created: r.deadline, deadline: r.deadline, note: r.note, roles: [] });
      const signer = /^(\w+)\.sig\.json$/.exec(name)?.[1];
      if (signer) {
        const r = world.requests[0]!;
        const e = r.evaluation!.roles[0]!;
        const next = fakeRequest(r.id, r.gun, [...e.signedBy, signer], e.waitingOn.filter((n) => n !== signer), e.result.threshold);
        world.requests = world.requests.map((x) => (x.id === r.id ? next : x));
        return { request: request(next), location: `/trust/requests/${r.id}.json`, transport: 'file', imported: false, added: 1, newlySigned: [signer], evaluation: next.evaluation!, summary: `added ${signer}'s signature — ${next.evaluation!.status}` };
      }
      const id = /^([0-9a-f]{12})\.request\.json$/.exec(name)?.[1];
      if (id) {
        const next = fakeRequest(id, 'example.com/team/web', ['alice'], ['bob'], 2);
        world.requests = [...world.requests, next];
        return { request: request(next), location: `/trust/requests/${id}.json`, transport: 'file', imported: true, added: 1, newlySigned: ['alice'], evaluation: next.evaluation!, summary: `imported request ${id} for ${next.gun} (signed: alice) — ${next.evaluation!.status}` };
      }
      throw new Error(`${file} is not a signing request: not JSON`);
    },
    submitRequest: async (ref) => {
      record(`submitRequest ${ref}`);
      const r = world.requests.find((x) => x.id === ref)!;
      world.requests = world.requests.filter((x) => x.id !== ref);
      return { id: ref, gun: r.gun, published: ['targets/releases'], changes: [], status: 'submitted' };
    },
    cancelRequest: async (ref) => {
      record(`cancelRequest ${ref}`);
      world.requests = world.requests.filter((x) => x.id !== ref);
    },
    rebaseRequest: async (ref) => {
      record(`rebaseRequest ${ref}`);
      const r = world.requests.find((x) => x.id === ref)!;
      const next = fakeRequest('feedfacefeed', r.gun, [], ['alice', 'bob'], 2);
      world.requests = world.requests.map((x) => (x.id === ref ? next : x));
      return { id: next.id, status: next.evaluation!.status };
    },
    // Signing policy: canned plans (the real plan and apply are tested against a real server).
    policyOverview: async (file) => {
      record(`policyOverview ${file}`);
      const p = world.policy;
      return p && p.file === file ? { file, found: true, rows: p.rows } : { file, found: false, rows: [] };
    },
    planPolicyApply: async (file, gun) => {
      record(`planPolicyApply ${file} ${gun}`);
      const plan = world.policy?.plans[gun];
      if (!plan) throw new Error(`${gun}: not covered by ${file}`);
      return plan;
    },
    runPolicyApply: async (plan, ports) => {
      const gun = plan.repositories[0]!.gun;
      record(`runPolicyApply ${gun}`);
      world.policy!.applied = plan;
      world.passphrasesSeen.push(await ask(ports));
      const result = world.policy!.results[gun]!;
      world.policy!.rows = world.policy!.rows.map((r) => (r.gun === gun ? { ...r, badge: result.inSync ? 'in sync' : 'drifted', why: '' } : r));
      return result;
    },
  };
}

/** Services whose trust server is down (the message trust-services passes on from src/notary). */
export function unreachableServer(services: Services): Services {
  const down = new ServerUnreachableError('https://notary.test', 'ECONNREFUSED');
  return { ...services, listRepositories: () => Promise.reject(down) };
}

/** A plan change for the fake policy world. */
function fakeChange(gun: string, op: PlanChange['op'], role: string, summary: string, details: string[] = [], hiddenTags: string[] = []): PlanChange {
  return {
    gun,
    op,
    role,
    path: op === 'warn' ? 'expiry' : 'role',
    from: null,
    to: null,
    details,
    impact: { hiddenTags, unpullableTags: [], repair: 'admin', summary: '' },
    needs: null,
    summary,
  };
}

function fakeRepositoryPlan(gun: string, changes: PlanChange[], meeting = 2): RepositoryPlan {
  const count = (op: string) => changes.filter((c) => c.op === op).length;
  return {
    gun,
    match: gun,
    rootPinned: true,
    changes,
    deployable: { rule: 'released', meeting, total: 2, verdicts: [] },
    counts: { add: count('add'), change: count('change'), remove: count('remove'), warn: count('warn'), signingRequests: 0 },
    inSync: changes.length === 0,
  };
}

/**
 * A policy over three repositories: app drifted (releases to 2 of 3 with carol, targets/old to
 * remove), db in sync, web violating (a tag not deployable).
 */
export function fakePolicy(file = 'trust-policy.yaml'): NonNullable<FakeWorld['policy']> {
  const app = 'example.com/team/app';
  const releases = fakeChange(app, 'change', 'targets/releases', '~ targets/releases', ['~ threshold 1 → 2', '+ key carol (63f1e1c)', '→ targets key only'], ['v1']);
  const carol = fakeChange(app, 'add', 'targets/carol', '+ targets/carol (carol), threshold 1');
  const old = fakeChange(app, 'remove', 'targets/old', '- targets/old (dave, not in policy): 1 tag loses its signature');
  const appPlan = fakeRepositoryPlan(app, [releases, carol, old]);
  const plan: ApplyPlan = {
    file,
    failures: [],
    repositories: [
      {
        gun: app,
        plan: appPlan,
        steps: [
          { change: releases, action: 'publish', reason: 'targets key; re-signs targets/releases in the same upload' },
          { change: carol, action: 'publish', reason: 'targets key' },
          { change: old, action: 'publish', reason: 'targets key' },
        ],
        destructive: [releases, old],
        // releases is re-signed in the same upload, and docker pull never reads targets/old.
        impact: { gun: app, lost: [], changed: [], gained: [], unchanged: ['v1', 'v2'], repair: [], running: [], dockerfiles: [] },
      },
    ],
  };
  const after = fakeRepositoryPlan(app, []);
  const result: ApplyResult = {
    file,
    repositories: [{ gun: app, steps: plan.repositories[0]!.steps.map((s) => ({ change: s.change, result: 'applied', reason: s.reason })), published: ['targets', 'targets/releases'] }],
    after: { plans: [after], failures: [] },
    failures: [],
    requests: [],
    inSync: true,
  };
  const web = fakeRepositoryPlan('example.com/team/web', [], 1);
  return {
    file,
    rows: [
      { gun: app, badge: 'drifted', why: '1 to add, 1 to change, 1 to remove', planLines: ['example.com/team/app   root pinned ✓', '  ~ targets/releases', '      ~ threshold 1 → 2', '  + targets/carol (carol), threshold 1', '  - targets/old (dave, not in policy)'] },
      { gun: 'example.com/team/db', badge: 'in sync', why: '', planLines: ['example.com/team/db   root pinned ✓   in sync ✓'] },
      { gun: web.gun, badge: 'violating', why: '1 of 2 tags not deployable', planLines: ['example.com/team/web   root pinned ✓   in sync ✓', '  deployable: 1 of 2 tags meet released'] },
    ],
    plans: { [app]: plan },
    results: { [app]: result },
  };
}
