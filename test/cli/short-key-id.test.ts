// One short key ID everywhere: what the CLI prints is what the UI shows, the passphrase prompt names
// and a sweep asks to be typed (notary's 7 hex digits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runCommand, stopAllPeers } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { shortKeyId } from '../../src/tuf/short-key-id.js';

afterAll(stopAllPeers);

describe('short key IDs in command output', () => {
  let tt: TrustTuiRunner;
  let certId: string;

  beforeAll(async () => {
    tt = trustTui();
    const cert = path.join(tt.workDir, 'root.crt');
    const r = await runCommand('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', path.join(tt.workDir, 'root.key'), '-out', cert,
      '-subj', '/CN=example.com\\/app', '-addext', 'basicConstraints=critical,CA:FALSE', '-days', '30',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const pin = await tt(['config', 'pin', 'example.com/app', cert]);
    expect(pin.code, pin.stderr).toBe(0);
    certId = /key ([0-9a-f]{64})/.exec(pin.stdout)![1]!;
  });

  it('config show and info print the pinned certificate with the one short ID', async () => {
    const short = shortKeyId(certId);
    expect(short).toHaveLength(7);
    const show = await tt(['config', 'show']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`example\\.com/app\\s+certificates ${short}\\n`));
    const info = await tt(['info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`example\\.com/app\\s+${short}\\n`));
  });
});
