// Which pins a root certificate replacement breaks, and when renew refuses (src/trust/renew-pins.ts).
import { describe, expect, it } from 'vitest';
import type { SettingsData } from '../../src/config/settings.js';
import { pinPlanLine, pinRefusal, pinsOnCertificates } from '../../src/trust/renew-pins.js';

const GUN = 'registry.example.test/team/app';
const OLD = 'a'.repeat(64);
const settings = (pins: SettingsData['pins']): SettingsData => ({ tofu: true, pins, servers: {}, watched: [], keyTypes: {} });

describe('pins on a replaced root certificate', () => {
  it('a trust-tui CA pin: the self-signed replacement would not chain, so renew refuses even with --update-pins', () => {
    const pins = pinsOnCertificates(settings({ 'registry.example.test/*': { ca: 'PEM' } }), [], GUN, [OLD]);
    expect(pins).toEqual([{ source: 'trust-tui', scope: 'registry.example.test/*', kind: 'ca' }]);
    expect(pinPlanLine(GUN, pins[0]!, true)).toContain('the self-signed replacement would not chain to it');
    const refusal = pinRefusal(GUN, pins, true);
    expect(refusal?.problem).toBe(
      `the root certificate of ${GUN} must chain to the CA of the trust-tui pin of registry.example.test/*, and the self-signed certificate renew makes would not`,
    );
    expect(refusal?.hint.cli).toMatch(/have that CA issue a new certificate for the root key/);
  });

  it("a notary configuration's CA pin (longest prefix, no `*`) counts too; its certificate pins win over it", () => {
    const notary = { file: 'notary.json', certs: {}, ca: { 'registry.example.test/': 'ca.pem', 'registry.example.test/team/': 'team-ca.pem' } };
    expect(pinsOnCertificates(settings({}), [notary], GUN, [OLD])).toEqual([{ source: 'notary', file: 'notary.json', scope: 'registry.example.test/team/', kind: 'ca' }]);
    const both = { ...notary, certs: { 'registry.example.test/*': [OLD] } };
    expect(pinsOnCertificates(settings({}), [both], GUN, [OLD])).toEqual([
      { source: 'notary', file: 'notary.json', scope: 'registry.example.test/*', kind: 'certificate', keyId: OLD },
    ]);
  });

  it('certificate pins refuse unless --update-pins; pins on other certificates, or no replacement, are not reported', () => {
    const own = settings({ [GUN]: { certs: [OLD, 'b'.repeat(64)] } });
    const pins = pinsOnCertificates(own, [], GUN, [OLD]);
    expect(pins).toEqual([{ source: 'trust-tui', scope: GUN, kind: 'certificate', keyId: OLD }]);
    expect(pinRefusal(GUN, pins, false)?.hint.cli).toMatch(/^add --update-pins/);
    expect(pinRefusal(GUN, pins, true)).toBeUndefined();
    expect(pinsOnCertificates(own, [], GUN, ['c'.repeat(64)])).toEqual([]);
    expect(pinsOnCertificates(own, [], GUN, [])).toEqual([]);
  });
});
