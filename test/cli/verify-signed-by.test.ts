// verify's "signed by" names only what the verified roles say: the repository key signed a release
// only when `targets` holds it; a release held by targets/releases alone (its signers' own roles
// missing, say from a damaged cache read offline) names nobody rather than the repository key.
import { describe, expect, it } from 'vitest';
import { signedByText } from '../../src/cli/commands/verify.js';

describe('verify: who signed a release', () => {
  it('names the signers whose own roles hold it', () => {
    expect(signedByText({ signers: ['alice', 'bob'], releasedBy: ['targets/releases'] })).toBe('signed by alice, bob');
  });

  it('names the repository key only for a release targets itself holds', () => {
    expect(signedByText({ signers: [], releasedBy: ['targets'] })).toBe('signed by the repository key');
  });

  it('does not name the repository key for a release only targets/releases holds', () => {
    const text = signedByText({ signers: [], releasedBy: ['targets/releases'] });
    expect(text).not.toContain('repository key');
    expect(text).toBe("no signer's own role holds it");
  });
});
