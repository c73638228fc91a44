// Services over src/trust for the interactive UI. Each call builds a TrustContext whose passphrase
// source is the store's modal prompt; confirmations were already given in the UI (type-to-confirm),
// so the context's confirm() answers yes.
import { readFile } from 'node:fs/promises';
import { Settings, type SettingsData } from '../config/settings.js';
import { KeyStore, parseKeyFile, decodePem, openKeyFile, type PassphraseSource } from '../keys/index.js';
import { EnvPassphraseSource, FirstAvailablePassphraseSource, ScriptedPassphraseSource } from '../keys/passphrase.js';
import { PromptCancelledError } from '../keys/errors.js';
import type { TrustContext } from '../trust/context.js';
import { keyRoles, tagDetail } from '../trust/details.js';
import { InputError } from '../trust/errors.js';
import { repositoryInfo, type RepositoryInfo } from '../trust/info.js';
import { generateKey, listKeys, loadKey, readPrivateKeyFile } from '../trust/keys.js';
import { knownRepositories, listRepositories } from '../trust/repositories.js';
import { executePlan, planSignerRemoval, planTagRevocation } from '../trust/plans.js';
import { resolveManifest, sign } from '../trust/sign.js';
import { publicKeyFromPem } from '../trust/signer-keys.js';
import { addSigner } from '../trust/signers.js';
import { planSweep, runSweep } from '../trust/sweep.js';
import { keyUsage } from './key-usage.js';
import { type ConfigChange, type ConfigView, type KeyFilePreview, type Services } from './services.js';

export interface TrustServicesOptions {
  trustDir: string;
  configDir: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Warnings from operations (shown in the status bar). */
  warn?: (message: string) => void;
}

/** A source that never has a passphrase: for reads that must not prompt. */
const noPassphrases: PassphraseSource = new ScriptedPassphraseSource(() => {
  throw new PromptCancelledError('passphrase');
});

export function createTrustServices(options: TrustServicesOptions): Services {
  const keys = new KeyStore(options.trustDir);
  const settings = new Settings(options.configDir);
  const env = options.env ?? process.env;
  const context = (passphrases: PassphraseSource = noPassphrases): TrustContext => ({
    trustDir: options.trustDir,
    keys,
    settings,
    // The environment's passphrases first (as on the command line), then the UI's masked prompt.
    passphrases: new FirstAvailablePassphraseSource(new EnvPassphraseSource(env), passphrases),
    confirm: async () => true,
    warn: options.warn ?? (() => undefined),
    debug: () => undefined,
    env,
  });

  return {
    async listKeys() {
      const ctx = context();
      const [listed, usage] = await Promise.all([listKeys(ctx), knownRepositoryInfo(ctx).then(keyUsage)]);
      return listed.map((k) => ({
        id: k.id,
        role: k.role,
        ...(k.gun ? { gun: k.gun } : {}),
        type: k.type,
        trustedBy: usage.get(k.id)?.trustedBy ?? [],
        tagsSigned: usage.get(k.id)?.tagsSigned ?? 0,
        ...(k.problem ? { problem: k.problem } : {}),
      }));
    },
    inspectKeyFile: (path) => inspectKeyFile(path),
    async importKey(path, name, ports) {
      // The file's passphrase is asked in the dialog; the environment's is the keystore's (for storing it).
      const loaded = await loadKey(context(ports.passphrases), path, { ...(name ? { name } : {}), filePassphrases: ports.passphrases });
      return { id: loaded.id, role: loaded.role, type: loaded.type };
    },
    async generateKey(name, type, dir, ports) {
      const made = await generateKey(context(ports.passphrases), name, { type, dir });
      return { id: made.id, name: made.name, type: made.type, publicKeyFile: made.publicKeyFile };
    },
    readConfig: async () => configView(options.trustDir, settings.file, settings.data),
    async updateConfig(change) {
      const data = await settings.update((draft) => applyConfigChange(draft, change));
      return configView(options.trustDir, settings.file, data);
    },
    async listRepositories() {
      return (await listRepositories(context())).map((r) => ({
        gun: r.gun,
        tagCount: r.tagCount,
        signerCount: r.signerCount,
        ...(r.earliestExpiry ? { earliestExpiry: r.earliestExpiry } : {}),
        state: r.state === 'unavailable' ? 'error' : r.state,
        source: r.source,
        ...(r.problem ? { problem: r.problem } : {}),
      }));
    },
    async listTags(gun) {
      return (await repositoryInfo(context(), gun)).tags.map((t) => ({
        tag: t.tag,
        digest: `sha256:${t.digest}`,
        size: t.size,
        signers: t.signers,
        verified: t.verified,
        ...(t.problem ? { problem: t.problem } : {}),
      }));
    },
    async listSigners(gun) {
      const info = await repositoryInfo(context(), gun);
      // Signers as docker shows them: targets/releases is the shared role every signer writes to,
      // not a signer (`signer add/remove releases` is refused), so it is not listed.
      return info.signers
        .filter((s) => s.role !== 'targets/releases')
        .map((s) => ({
          name: s.name,
          keyIds: s.keys.map((k) => k.id),
          threshold: s.threshold,
          // Distinct tags: a tag whose roles disagree on the digest has one row per digest.
          tagsSigned: new Set(info.tags.filter((t) => t.signers.includes(s.name)).map((t) => t.tag)).size,
        }));
    },
    resolveManifest: (gun, tag) => resolveManifest(context(), `${gun}:${tag}`),
    describeTag: (gun, tag) => tagDetail(context(), gun, tag),
    async describeSigner(gun, name) {
      const info = await repositoryInfo(context(), gun);
      const s = info.signers.find((x) => x.name === name);
      if (!s) throw new InputError(`no signer ${name} in ${gun}; press r to refresh`);
      const expires = info.roles.find((r) => r.role === s.role)?.expires;
      return {
        gun: info.gun,
        name: s.name,
        role: s.role,
        threshold: s.threshold,
        paths: s.paths,
        state: s.state,
        ...(s.problem ? { problem: s.problem } : {}),
        ...(expires ? { expires } : {}),
        keys: s.keys,
        tags: [...new Set(info.tags.filter((t) => t.signers.includes(s.name)).map((t) => t.tag))],
      };
    },
    describeKey: (keyId) => keyRoles(context(), keyId),
    async signTag(gun, tag, manifest, ports) {
      const r = await sign(context(ports.passphrases), `${gun}:${tag}`, { digest: manifest.digest, size: manifest.size });
      return { gun: r.gun, tag: r.tag, digest: r.digest, roles: r.roles };
    },
    planRevokeTag: (gun, tag) => planTagRevocation(context(), gun, tag),
    async addSigner(gun, name, keys, ports) {
      const specs = keys.map((k) => (k.from === 'keystore' ? k.id : k.path));
      const r = await addSigner(context(ports.passphrases), gun, name, specs);
      return { name: r.signer, keyIds: r.keyIds, threshold: r.threshold, tagsSigned: 0 };
    },
    planRemoveSigner: (gun, name, keyId) => planSignerRemoval(context(), gun, name, keyId),
    // The user confirmed this plan in the UI; it is carried out as shown, or not at all.
    executePlan: (plan, ports) => executePlan(context(ports.passphrases), plan),
    planSweep: (target) => planSweep(context(), target),
    async runSweep(plan, ports, onProgress) {
      const outcomes = await runSweep(context(ports.passphrases), plan, { ...(ports.signal ? { signal: ports.signal } : {}), onProgress });
      return outcomes.flatMap((o) => {
        const roles = plan.items.filter((i) => i.gun === o.gun).map((i) => i.role);
        return (roles.length ? roles : ['(all)']).map((role) => ({ gun: o.gun, role, status: o.status, ...(o.message ? { message: o.message } : {}) }));
      });
    },
  };
}

/** Trust data of every repository the Repositories screen lists (watched and cached); unreadable ones are left out. */
async function knownRepositoryInfo(ctx: TrustContext): Promise<RepositoryInfo[]> {
  const guns = await knownRepositories(ctx);
  const read = await Promise.all(guns.map((gun) => repositoryInfo(ctx, gun).catch(() => undefined)));
  return read.filter((info): info is RepositoryInfo => info !== undefined);
}

export function configView(trustDir: string, configFile: string, data: SettingsData): ConfigView {
  return {
    trustDir,
    configFile,
    tofu: data.tofu,
    servers: Object.entries(data.servers).map(([prefix, s]) => ({ prefix, url: s.url, ...(s.ca ? { ca: s.ca } : {}) })),
    pins: Object.entries(data.pins).map(([prefix, p]) => ({ prefix, certs: p.certs ?? [], ...(p.ca ? { ca: p.ca } : {}) })),
    watched: [...data.watched],
  };
}

export function applyConfigChange(draft: SettingsData, change: ConfigChange): void {
  switch (change.kind) {
    case 'tofu':
      draft.tofu = change.enabled;
      return;
    case 'server':
      if (change.url === null) delete draft.servers[change.prefix];
      else draft.servers[change.prefix] = { url: change.url, ...(change.ca ? { ca: change.ca } : {}) };
      return;
    case 'pin':
      if (change.certs === null) delete draft.pins[change.prefix];
      else draft.pins[change.prefix] = { certs: change.certs, ...(change.ca ? { ca: change.ca } : {}) };
      return;
    case 'watch':
      if (!draft.watched.includes(change.gun)) draft.watched.push(change.gun);
      return;
    case 'unwatch':
      draft.watched = draft.watched.filter((g) => g !== change.gun);
      return;
  }
}

/** Reads a key file's headers (and, when no passphrase is needed, its key ID and type). */
export async function inspectKeyFile(path: string): Promise<KeyFilePreview> {
  const text = await readFile(path, 'utf8');
  const blocks = decodePem(text, path);
  const publicBlock = blocks.find((b) => b.type === 'PUBLIC KEY' || b.type === 'CERTIFICATE');
  if (publicBlock && !blocks.some((b) => /PRIVATE KEY/.test(b.type))) {
    const key = publicKeyFromPem(text, path);
    return {
      path,
      kind: 'public',
      ...(publicBlock.headers.role ? { role: publicBlock.headers.role } : {}),
      id: key.canonicalId,
      type: key.keytype.replace('-x509', ''),
      encrypted: false,
    };
  }
  // A private key file others may read is refused first, before anything is asked (as `key load`).
  await readPrivateKeyFile(path);
  const file = parseKeyFile(text, path);
  const preview: KeyFilePreview = {
    path,
    kind: 'private',
    ...(file.role ? { role: file.role } : {}),
    ...(file.gun ? { gun: file.gun } : {}),
    encrypted: file.encrypted,
  };
  if (file.encrypted) return preview;
  const key = await openKeyFile(file, '');
  return { ...preview, id: key.id, type: key.algorithm };
}
