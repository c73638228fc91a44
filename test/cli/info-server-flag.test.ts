// `info --server URL` without a repository probes that server too, instead of ignoring the flag.
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/peers.js';
import { trustTui } from '../helpers/trust-tui.js';

describe('info --server without a repository', () => {
  it('reports the given server and its state', async () => {
    const tt = trustTui();
    const url = `https://127.0.0.1:${await freePort()}`;
    const r = await tt(['info', '--server', url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`--server: ${url.replace(/\./g, '\\.')} \\(offline: .*ECONNREFUSED`));
    const json = JSON.parse((await tt(['--json', 'info', '--server', url])).stdout);
    expect(json.givenServer).toMatchObject({ url, state: expect.stringMatching(/^offline: /) });
  });
});
