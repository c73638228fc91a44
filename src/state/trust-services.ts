// Services over src/trust for the interactive UI. Each call builds a TrustContext whose passphrase
// source is the store's modal prompt; confirmations were already given in the UI (type-to-confirm),
// so the context's confirm() answers yes.
import { readFile } from 'node:fs/promises';
import { Settings, type SettingsData } from '../config/settings.js';
import { KeyStore, parseKeyFile, decodePem, openKeyFile, type PassphraseSource } from '../keys/index.js';
import { EnvPassphraseSource, FirstAvailablePassphraseSource, ScriptedPassphraseSource } from '../keys/passphrase.js';
import { PromptCancelledError } from '../keys/errors.js';
import type { TrustContext } from '../trust/context.js';
import { clearPin, clearServer, setPin, setServer, setTofu, unwatchRepository, watchRepository } from '../trust/config.js';
import { repositoryInfo, type RepositoryInfo } from '../trust/info.js';
import { generateKey, listKeys, loadKey } from '../trust/keys.js';
import { knownRepositories, listRepositories } from '../trust/repositories.js';
import { planRevokeTag, revokeTag, type RevokeTagResult } from '../trust/revoke.js';
import { sign } from '../trust/sign.js';
import { publicKeyFromPem } from '../trust/signer-keys.js';
import { addSigner, describeRoleChange, previewRemoval, removeSigner, removeSignerKey } from '../trust/signers.js';
import { planSweep, runSweep } from '../trust/sweep.js';
import { keyUsage } from './key-usage.js';
import { type ConfigChange, type ConfigView, type Impact, type KeyFilePreview, type Services } from './services.js';

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
  const env = options.env ?? process.env;
  const context = (passphrases: PassphraseSource = noPassphrases): TrustContext => ({
    trustDir: options.trustDir,
    keys,
    // Read afresh for every operation: `trust-tui config` may have changed the file meanwhile.
    settings: new Settings(options.configDir),
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
      const loaded = await loadKey(context(ports.passphrases), path, name ? { name } : {});
      return { id: loaded.id, role: loaded.role, type: loaded.type };
    },
    async generateKey(name, type, dir, ports) {
      const made = await generateKey(context(ports.passphrases), name, { type, dir });
      return { id: made.id, name: made.name, type: made.type, publicKeyFile: made.publicKeyFile };
    },
    async readConfig() {
      const { settings } = context();
      return configView(options.trustDir, settings.file, settings.data);
    },
    async updateConfig(change) {
      const ctx = context();
      await applyConfigChange(ctx, change);
      return configView(options.trustDir, ctx.settings.file, ctx.settings.data);
    },
    async listRepositories() {
      return (await listRepositories(context())).map((r) => ({
        gun: r.gun,
        tagCount: r.tagCount,
        signerCount: r.signerCount,
        ...(r.earliestExpiry ? { earliestExpiry: r.earliestExpiry } : {}),
        ...(r.expiryState ? { expiryState: r.expiryState } : {}),
        state: r.state === 'unavailable' ? 'error' : r.state,
        source: r.source,
        ...(r.problem ? { problem: r.problem } : {}),
      }));
    },
    async listTags(gun) {
      const info = await repositoryInfo(context(), gun);
      const rows = info.tags.map((t) => ({
        tag: t.tag,
        digest: `sha256:${t.digest}`,
        size: t.size,
        signers: t.signers,
        verified: t.verified,
        ...(t.problem ? { problem: t.problem } : {}),
      }));
      return { rows, offline: info.offline, server: info.server };
    },
    async listSigners(gun) {
      const info = await repositoryInfo(context(), gun);
      // Signers as docker shows them: targets/releases is the shared role every signer writes to,
      // not a signer (`signer add/remove releases` is refused), so it is not listed.
      const rows = info.signers
        .filter((s) => s.role !== 'targets/releases')
        .map((s) => ({
          name: s.name,
          keyIds: s.keys.map((k) => k.id),
          threshold: s.threshold,
          tagsSigned: info.tags.filter((t) => t.signers.includes(s.name)).length,
        }));
      return { rows, offline: info.offline, server: info.server };
    },
    async signTag(gun, tag, digest, ports) {
      const r = await sign(context(ports.passphrases), `${gun}:${tag}`, digest ? { digest } : {});
      return { gun: r.gun, tag: r.tag, digest: r.digest, roles: r.roles };
    },
    async previewRevokeTag(gun, tag) {
      const { result } = await planRevokeTag(context(), `${gun}:${tag}`);
      return revokeImpact(result);
    },
    async revokeTag(gun, tag, ports) {
      return revokeImpact(await revokeTag(context(ports.passphrases), `${gun}:${tag}`));
    },
    async addSigner(gun, name, keys, ports) {
      const specs = keys.map((k) => (k.from === 'keystore' ? k.id : k.path));
      const r = await addSigner(context(ports.passphrases), gun, name, specs);
      return { name: r.signer, keyIds: r.keyIds, threshold: r.threshold, tagsSigned: 0 };
    },
    async previewRemoveSigner(gun, name, keyId) {
      const { gun: g, plan } = await previewRemoval(context(), gun, keyId ? { keyId } : { signer: name });
      return {
        gun: g,
        changes: [
          ...plan.changes.map(describeRoleChange),
          ...(plan.breaksReleases ? ['targets/releases would be left unverifiable: the removal will be refused'] : []),
        ],
        tagsLosingLastSignature: plan.tagsLosingRelease.map((t) => t.tag),
      };
    },
    async removeSigner(gun, name, keyId, ports) {
      // The user confirmed in the UI after seeing the preview.
      const ctx = context(ports.passphrases);
      const r = keyId ? await removeSignerKey(ctx, gun, keyId, { yes: true }) : await removeSigner(ctx, gun, name, { yes: true });
      return { gun: r.gun, changes: r.changes.map(describeRoleChange), tagsLosingLastSignature: r.tagsNoLongerReleased };
    },
    async planSweep(target) {
      const plan = await planSweep(context(), target);
      return {
        target,
        confirmText: plan.confirmText,
        items: plan.items.map((i) => ({ gun: i.gun, role: i.role, keyIds: i.keyIds, tags: i.tags, done: i.done })),
      };
    },
    async runSweep(plan, ports, onProgress) {
      const ctx = context(ports.passphrases);
      const full = await planSweep(ctx, plan.target);
      const outcomes = await runSweep(ctx, full, { signal: ports.signal, onProgress });
      return outcomes.flatMap((o) => {
        const roles = full.items.filter((i) => i.gun === o.gun).map((i) => i.role);
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

/** A tag revocation as the UI shows it: where the signature goes, and whether any remains. */
function revokeImpact(r: RevokeTagResult): Impact {
  return {
    gun: r.gun,
    changes: r.roles.map((role) => `${r.tag} is removed from ${role}`),
    tagsLosingLastSignature: r.remaining.length === 0 ? [r.tag] : [],
  };
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

/** A settings change from the UI, made by the same src/trust operation (and checks) as `trust-tui config`. */
async function applyConfigChange(ctx: TrustContext, change: ConfigChange): Promise<void> {
  switch (change.kind) {
    case 'tofu':
      await setTofu(ctx, change.enabled);
      return;
    case 'server':
      if (change.url === null) await clearServer(ctx, change.prefix);
      else await setServer(ctx, change.prefix, change.url, change.ca ? { ca: change.ca } : {});
      return;
    case 'pin':
      if (change.files === null) await clearPin(ctx, change.prefix);
      else await setPin(ctx, change.prefix, change.files);
      return;
    case 'watch':
      await watchRepository(ctx, change.gun);
      return;
    case 'unwatch':
      await unwatchRepository(ctx, change.gun);
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
