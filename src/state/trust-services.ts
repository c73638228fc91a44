// Services over src/trust for the interactive UI. Each call builds a TrustContext whose passphrase
// source is the store's modal prompt; confirmations were already given in the UI (type-to-confirm),
// so the context's confirm() answers yes.
import { Settings, type SettingsData } from '../config/settings.js';
import { MAX_PEM_BYTES, readUserText } from '../config/user-files.js';
import { KeyStore, parseKeyFile, decodePem, openKeyFile, type PassphraseSource } from '../keys/index.js';
import { EnvPassphraseSource, FirstAvailablePassphraseSource, ScriptedPassphraseSource } from '../keys/passphrase.js';
import { PromptCancelledError } from '../keys/errors.js';
import { Deadline } from '../net/deadline.js';
import type { TrustContext } from '../trust/context.js';
import { clearPin, clearServer, describePin, setPin, setServer, setTofu, unwatchRepository, watchRepository } from '../trust/config.js';
import { keyRoles, signerDetail, tagDetail } from '../trust/details.js';
import { repositoryInfo, type RepositoryInfo } from '../trust/info.js';
import { reportTagsSoFar } from '../trust/tags-so-far.js';
import { describePublishedChanges } from '../trust/published-changes.js';
import { generateKey, listKeys, loadKey, readPrivateKeyFile } from '../trust/keys.js';
import { knownRepositories, listRepositories } from '../trust/repositories.js';
import { executePlan, planSignerRemoval, planTagRevocation } from '../trust/plans.js';
import { resolveManifest, sign } from '../trust/sign.js';
import { planLocalSign } from '../trust/sign-plan.js';
import { publicKeyFromPem } from '../trust/signer-keys.js';
import { addSigner, planSignerAddition } from '../trust/signers.js';
import { planSweep, runSweep } from '../trust/sweep.js';
import { exportPolicy } from '../trust/policy/export-policy.js';
import { writePolicy } from '../trust/policy/write.js';
import { listExpiries } from '../trust/expiry.js';
import { planRenewal, runRenewal } from '../trust/renew.js';
import { planMigration, runMigration } from '../trust/migrate.js';
import { approveRequest, cancelRequest, listRequests, mergeAndCheck, rebaseRequest, showRequest, submitRequest } from '../trust/requests/operations.js';
import { keyUsage } from '../trust/key-usage.js';
import { executeApply, planApply } from '../trust/signing-policy/apply.js';
import { policyOverview } from '../trust/signing-policy/overview.js';
import { loadPolicy } from '../trust/signing-policy/service.js';
import { REPO_ADMIN } from '../trust/export/dct-signers.js';
import { exportLines, exportSignatures, FORMATS_OF } from '../trust/export/export-signatures.js';
import { exportStatus, pendingTags, statusLines } from '../trust/export/export-status.js';
import { type ConfigChange, type ConfigView, type KeyFilePreview, type Services, type SignerKeyChoice } from './services.js';

export interface TrustServicesOptions {
  trustDir: string;
  configDir: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Warnings from operations (shown in the status bar). */
  warn?: (message: string) => void;
  /** How long one service call may wait for servers (default 30 s, as a command). */
  timeoutMs?: number;
}

/** A source that never has a passphrase: for reads that must not prompt. */
const noPassphrases: PassphraseSource = new ScriptedPassphraseSource(() => {
  throw new PromptCancelledError('passphrase');
});

/** A chosen signer key as `signer add --key` takes it: a keystore key ID or a file path. */
const keySpec = (key: SignerKeyChoice): string => (key.from === 'keystore' ? key.id : key.path);

export function createTrustServices(options: TrustServicesOptions): Services {
  const keys = new KeyStore(options.trustDir);
  const env = options.env ?? process.env;
  const context = (passphrases: PassphraseSource = noPassphrases): TrustContext => {
    // Each service call is one command: one deadline, stopped while the passphrase dialog is open.
    const deadline = new Deadline(options.timeoutMs);
    // The environment's passphrases first (as on the command line), then the UI's masked prompt.
    const chain = new FirstAvailablePassphraseSource(new EnvPassphraseSource(env), passphrases);
    return {
      trustDir: options.trustDir,
      keys,
      // Read afresh for every operation: `trust-tui config` may have changed the file meanwhile.
      settings: new Settings(options.configDir),
      passphrases: { get: (req) => deadline.excluding(() => chain.get(req)) },
      confirm: async () => true,
      warn: options.warn ?? (() => undefined),
      debug: () => undefined,
      env,
      deadline,
    };
  };

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
      // The wizard's type step says which tools cannot use a type before the user picks it.
      const made = await generateKey(context(ports.passphrases), name, { type, dir, force: true });
      return { id: made.id, name: made.name, type: made.type, publicKeyFile: made.publicKeyFile };
    },
    async readConfig() {
      const { settings } = context();
      return configView(options.trustDir, settings.file, settings.data, env);
    },
    async updateConfig(change) {
      const ctx = context();
      await applyConfigChange(ctx, change);
      return configView(options.trustDir, ctx.settings.file, ctx.settings.data, env);
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
    async listTags(gun, onProgress) {
      const progressive = onProgress
        ? {
            onRoleVerified: reportTagsSoFar((soFar) =>
              onProgress({
                rows: soFar.tags.map((t) => ({ tag: t.tag, digest: `sha256:${t.digest}`, size: t.size, signers: t.signers, verified: false, checking: true })),
                rolesDone: soFar.rolesDone,
                rolesTotal: soFar.rolesTotal,
              }),
            ),
          }
        : {};
      const info = await repositoryInfo(context(), gun, progressive);
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
      // info.signers is the trust layer's signer list (targets/releases is not a signer).
      const rows = info.signers
        .map((s) => ({
          name: s.name,
          keyIds: s.keys.map((k) => k.id),
          threshold: s.threshold,
          // Distinct tags: a tag whose roles disagree on the digest has one row per digest.
          tagsSigned: new Set(info.tags.filter((t) => t.signers.includes(s.name)).map((t) => t.tag)).size,
          ...(info.releasesSignoff ? { releasesSigned: info.releasesSignoff.bySigner.some((b) => b.name === s.name && b.signed) } : {}),
        }));
      return { rows, offline: info.offline, server: info.server, ...(info.releasesSignoff ? { releases: info.releasesSignoff } : {}) };
    },
    resolveManifest: (gun, tag) => resolveManifest(context(), `${gun}:${tag}`),
    describeTag: (gun, tag) => tagDetail(context(), gun, tag),
    describeSigner: (gun, name) => signerDetail(context(), gun, name),
    describeKey: (keyId) => keyRoles(context(), keyId),
    async signTag(gun, tag, manifest, ports) {
      const r = await sign(context(ports.passphrases), `${gun}:${tag}`, { digest: manifest.digest, size: manifest.size });
      return { gun: r.gun, tag: r.tag, digest: r.digest, roles: r.roles, released: r.released, ...(r.request ? { request: r.request } : {}) };
    },
    planLocalSign: (gun, tag, from) => planLocalSign(context(), `${gun}:${tag}`, from),
    async signLocal(plan, ports, onProgress) {
      const r = await sign(context(ports.passphrases), `${plan.gun}:${plan.tag}`, {
        from: plan.from,
        reviewedDigest: plan.root.digest,
        onPushProgress: onProgress,
        ...(ports.signal ? { signal: ports.signal } : {}),
      });
      return {
        gun: r.gun,
        tag: r.tag,
        digest: r.digest,
        roles: r.roles,
        released: r.released,
        ...(r.request ? { request: r.request } : {}),
        ...(r.pushed ? { pushed: r.pushed } : {}),
      };
    },
    planRevokeTag: (gun, tag) => planTagRevocation(context(), gun, tag),
    planAddSigner: (gun, name, keys, threshold) => planSignerAddition(context(), gun, name, keys.map(keySpec), threshold !== undefined ? { threshold } : {}),
    async addSigner(gun, name, keys, ports, threshold, delivery) {
      const options = { ...(threshold !== undefined ? { threshold } : {}), ...(delivery ? { delivery } : {}) };
      const r = await addSigner(context(ports.passphrases), gun, name, keys.map(keySpec), options);
      return {
        name: r.signer,
        keyIds: r.keyIds,
        threshold: r.threshold,
        tagsSigned: 0,
        changes: describePublishedChanges(r.changes),
        releases: r.releases,
        ...(r.request ? { request: r.request } : {}),
      };
    },
    planRemoveSigner: (gun, name, keyId) => planSignerRemoval(context(), gun, name, keyId),
    // The user confirmed this plan in the UI; it is carried out as shown, or not at all.
    executePlan: (plan, ports) => executePlan(context(ports.passphrases), plan),
    async exportPolicy(gun, format, threshold, output) {
      const r = await exportPolicy(context(), gun, { format, threshold });
      const [written] = output ? await writePolicy(format, r.files, output) : [];
      return { gun: r.gun, threshold: r.threshold, signers: r.signers.map((s) => s.name), content: r.files[0]!.content, ...(written ? { written } : {}) };
    },
    async exportReport(gun) {
      const outcome = await exportStatus(context(), [gun]);
      if (outcome.failures[0]) throw outcome.failures[0].error;
      const status = outcome.repositories[0]!;
      const pending = Object.fromEntries(
        status.held.map((signer) => [signer, { cosign: pendingTags(status, signer, FORMATS_OF.cosign), notation: pendingTags(status, signer, FORMATS_OF.notation) }]),
      );
      return { gun: status.gun, lines: statusLines(status), held: status.held, pending };
    },
    async exportSignatures(gun, signer, format, ports) {
      const who = signer === REPO_ADMIN ? { admin: true } : { signer };
      const outcome = await exportSignatures(context(ports.passphrases), format, [gun], who);
      if (outcome.failures[0]) throw outcome.failures[0].error;
      return exportLines(outcome.repositories[0]!);
    },
    planSweep: (target) => planSweep(context(), target),
    async runSweep(plan, ports, onProgress) {
      const outcomes = await runSweep(context(ports.passphrases), plan, { ...(ports.signal ? { signal: ports.signal } : {}), onProgress });
      return outcomes.flatMap((o) => {
        const roles = plan.items.filter((i) => i.gun === o.gun).map((i) => i.role);
        return (roles.length ? roles : ['(all)']).map((role) => ({ gun: o.gun, role, status: o.status, ...(o.message ? { message: o.hint ? `${o.message}; ${o.hint.ui}` : o.message } : {}) }));
      });
    },
    async listExpiries(withinDays) {
      const report = await listExpiries(context(), withinDays === undefined ? {} : { withinMs: withinDays * 86_400_000 });
      return {
        rows: report.items,
        offline: report.offline,
        rootExpired: report.rootExpired.map((r) => r.gun),
        unreadable: report.unreadable.map((u) => ({ gun: u.gun, problem: u.hint ? `${u.problem}; ${u.hint.ui}` : u.problem })),
      };
    },
    // The UI's confirmation lists the pins a new root certificate moves, so confirming it is the
    // consent `--update-pins` gives on the command line.
    planRenewal: (repositories, withinDays, onProgress) =>
      planRenewal(
        context(),
        repositories,
        { updatePins: true, ...(withinDays === undefined ? {} : { withinMs: withinDays * 86_400_000 }) },
        onProgress ? { onProgress } : {},
      ),
    async runRenewal(plan, ports, onProgress) {
      const outcomes = await runRenewal(context(ports.passphrases), plan, { ...(ports.signal ? { signal: ports.signal } : {}), ...(onProgress ? { onProgress } : {}) });
      return outcomes.map((o) => (o.hint ? { ...o, message: `${o.message ?? ''}; ${o.hint.ui}` } : o));
    },
    planMigration: (request) =>
      planMigration(context(), [request.gun], { to: request.to, ...(request.fromCache ? { fromCache: true as const } : {}), ...(request.renewExpired ? { renewExpired: true } : {}) }),
    async runMigration(plan, ports, onProgress) {
      const outcomes = await runMigration(context(ports.passphrases), plan, { ...(ports.signal ? { signal: ports.signal } : {}), onProgress });
      return outcomes.map((o) => (o.message && o.hint ? { ...o, message: `${o.message}; ${o.hint.ui}` } : o));
    },
    async listRequests(gun) {
      // A known repository whose server did not answer is said on the screen, not silently left out.
      const unlisted: string[] = [];
      const rows = await listRequests(context(), gun, { onUnlisted: (g, why) => unlisted.push(`${g}: requests not listed (${why.split('\n')[0]})`) });
      return unlisted.length > 0 ? { rows, note: unlisted.join('; ') } : rows;
    },
    showRequest: (ref) => showRequest(context(), ref),
    approveRequest: (ref, ports) => approveRequest(context(ports.passphrases), ref, { yes: true }),
    mergeRequestFiles: (files) => mergeAndCheck(context(), files),
    submitRequest: (ref, ports) => submitRequest(context(ports.passphrases), ref),
    async cancelRequest(ref) {
      await cancelRequest(context(), ref, { yes: true });
    },
    async rebaseRequest(ref, ports) {
      const r = await rebaseRequest(context(ports.passphrases), ref);
      return { id: r.request.id, status: r.evaluation.status };
    },
    policyOverview: (file) => policyOverview(context(), file),
    async planPolicyApply(file, gun) {
      return planApply(context(), await loadPolicy(file), file, [gun]);
    },
    runPolicyApply: (plan, ports) => executeApply(context(ports.passphrases), plan, ports.signal ? { signal: ports.signal } : {}),
  };
}

/** Trust data of every repository the Repositories screen lists (watched and cached); unreadable ones are left out. */
async function knownRepositoryInfo(ctx: TrustContext): Promise<RepositoryInfo[]> {
  const guns = await knownRepositories(ctx);
  const read = await Promise.all(guns.map((gun) => repositoryInfo(ctx, gun).catch(() => undefined)));
  return read.filter((info): info is RepositoryInfo => info !== undefined);
}

export function configView(trustDir: string, configFile: string, data: SettingsData, env: Readonly<Record<string, string | undefined>> = {}): ConfigView {
  return {
    ...(env.DOCKER_CONTENT_TRUST_SERVER ? { environmentServer: env.DOCKER_CONTENT_TRUST_SERVER } : {}),
    trustDir,
    configFile,
    tofu: data.tofu,
    servers: Object.entries(data.servers).map(([prefix, s]) => ({ prefix, url: s.url, ...(s.ca ? { ca: s.ca } : {}) })),
    pins: Object.entries(data.pins).map(([prefix, p]) => ({ prefix, certs: p.certs ?? [], ...(p.ca ? { ca: p.ca } : {}), description: describePin(p) })),
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
  const text = await readUserText(path, 'key file', { maxBytes: MAX_PEM_BYTES });
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
