// Row identities and filter text for every list the UI shows, plus the Config screen's rows.
import type { ListSpec } from './list.js';
import type { ConfigView, ExpiryRow, KeyRow, ListedRequest, PolicyRow, RepoRow, SignerRow, TagRow } from './services.js';

export interface ConfigRow {
  id: string;
  section: 'general' | 'server' | 'pin' | 'watched';
  label: string;
  value: string;
  /** The GUN prefix (servers, pins) or GUN (watched) the row is about. */
  subject?: string;
  /** A server row's URL and CA file (the edit form starts from them). */
  server?: { url: string; ca?: string };
}

export const repoSpec: ListSpec<RepoRow> = { key: (r) => r.gun, text: (r) => r.gun };
export const tagSpec: ListSpec<TagRow> = { key: (t) => t.tag, text: (t) => `${t.tag} ${t.digest} ${t.signers.join(' ')}` };
export const signerSpec: ListSpec<SignerRow> = { key: (s) => s.name, text: (s) => `${s.name} ${s.keyIds.join(' ')}` };
export const keySpec: ListSpec<KeyRow> = { key: (k) => k.id, text: (k) => `${k.id} ${k.role} ${k.gun ?? ''} ${k.type}` };
export const expirySpec: ListSpec<ExpiryRow> = {
  key: (e) => `${e.gun}\u0000${e.role}\u0000${e.keyId ?? ''}`,
  text: (e) => `${e.gun} ${e.role} ${e.state} ${e.renewer.kind === 'others' ? e.renewer.who : e.renewer.kind}`,
};
export const requestSpec: ListSpec<ListedRequest> = {
  key: (r) => r.id,
  text: (r) => `${r.id} ${r.gun} ${r.roles.join(' ')} ${r.note} ${r.evaluation?.status ?? r.problem ?? ''}`,
};
export const policySpec: ListSpec<PolicyRow> = { key: (r) => r.gun, text: (r) => `${r.gun} ${r.badge} ${r.why}` };
export const configSpec: ListSpec<ConfigRow> = { key: (c) => c.id, text: (c) => `${c.label} ${c.value}` };

export function configRows(view: ConfigView): ConfigRow[] {
  return [
    { id: 'tofu', section: 'general', label: 'Trust on first use (TOFU)', value: view.tofu ? 'on' : 'off' },
    { id: 'trust-dir', section: 'general', label: 'Trust directory', value: view.trustDir },
    { id: 'config-file', section: 'general', label: 'Settings file', value: view.configFile },
    // Set in the environment, it wins over every server entry below (as on the command line).
    ...(view.environmentServer
      ? [{ id: 'env-server', section: 'general' as const, label: 'DOCKER_CONTENT_TRUST_SERVER', value: `${view.environmentServer} (used instead of the servers below)` }]
      : []),
    ...view.servers.map((s) => ({
      id: `server:${s.prefix}`,
      section: 'server' as const,
      label: `Server for ${s.prefix}`,
      value: s.ca ? `${s.url} (CA ${s.ca})` : s.url,
      subject: s.prefix,
      server: { url: s.url, ...(s.ca ? { ca: s.ca } : {}) },
    })),
    ...view.pins.map((p) => ({
      id: `pin:${p.prefix}`,
      section: 'pin' as const,
      label: `Pin for ${p.prefix}`,
      value: p.description,
      subject: p.prefix,
    })),
    ...view.watched.map((gun) => ({ id: `watched:${gun}`, section: 'watched' as const, label: 'Watched repository', value: gun, subject: gun })),
  ];
}
