// The status of a request in words (golden), and merging copies and detached signatures.
import { describe, expect, it } from 'vitest';
import { roleProgress, summarize, type RoleEvaluation } from '../../../src/trust/requests/evaluate.js';
import { mergeRequests, parseRequestDocument, serializeRequest, type SigningRequest } from '../../../src/trust/requests/format.js';
import { signedDigest, type VerificationResult } from '../../../src/tuf/verification.js';

const NOW = new Date('2026-12-03T12:00:00Z');

function role(threshold: number, signedBy: string[], waitingOn: string[], extra: Partial<RoleEvaluation> = {}): RoleEvaluation {
  const result: VerificationResult = {
    threshold,
    distinctKeys: signedBy.length + waitingOn.length,
    signed: signedBy.map((n) => ({ keyid: n, canonicalId: n })),
    unsigned: waitingOn,
    ignored: [],
    mismatchedKeyIds: [],
    verified: signedBy.length >= threshold,
    missing: Math.max(0, threshold - signedBy.length),
    unsatisfiable: threshold > signedBy.length + waitingOn.length,
  };
  return { role: 'targets/releases', version: 13, result, signedBy, waitingOn, contentExpired: false, landed: false, ...extra };
}

const signed = { _type: 'Targets', delegations: { keys: {}, roles: [] }, expires: '2027-12-03T12:00:00Z', targets: {}, version: 13 };
const request = (over: Partial<SigningRequest> = {}): SigningRequest => ({
  type: 'trust-tui/signing-request',
  version: 1,
  id: '7f3a00112233',
  gun: 'registry.example.com/payments/api',
  created: '2026-12-01T12:00:00Z',
  deadline: '2026-12-08T12:00:00Z',
  note: 'sign v2.1',
  roles: [{ role: 'targets/releases', base: { version: 12, sha256: 'ab'.repeat(32) }, signed, signedDigest: signedDigest(signed), threshold: 2, keyids: [], signatures: [] }],
  ...over,
});

describe('request status in words', () => {
  it('names who is missing when every remaining signer is needed', () => {
    expect(roleProgress(role(3, ['alice', 'bob'], ['carol']))).toBe('2 of 3 signed — waiting on carol');
    expect(roleProgress(role(3, ['alice'], ['bob', 'carol']))).toBe('1 of 3 signed — waiting on bob and carol');
  });
  it('says how many more, and from whom, when there is a choice', () => {
    expect(roleProgress(role(2, ['alice'], ['bob', 'carol']))).toBe('1 of 2 signed (alice) — waiting on 1 more: bob or carol');
    expect(roleProgress(role(2, [], ['alice', 'bob', 'carol']))).toBe('0 of 2 signed — waiting on 2 more: alice, bob or carol');
  });
  it('ready, stale, expired, submitted', () => {
    expect(summarize(request(), [role(2, ['alice', 'bob'], ['carol'])], NOW)).toMatchObject({ state: 'ready', status: '2 of 2 signed — ready to submit' });
    expect(summarize(request(), [role(2, ['alice', 'bob'], ['carol'], { stale: { movedTo: 13 } })], NOW)).toMatchObject({ state: 'stale', status: 'stale: releases moved to v13 — rebase needed' });
    const withSigs = request();
    withSigs.roles[0]!.signatures = [{ keyid: 'a', method: 'ecdsa', sig: '' }, { keyid: 'b', method: 'ecdsa', sig: '' }];
    expect(summarize(withSigs, [role(2, ['alice'], ['bob'], { stale: { movedTo: 13 } })], NOW).status).toBe('stale: releases moved to v13 — rebase needed (2 signatures will be lost)');
    expect(summarize(request({ deadline: '2026-12-03T09:00:00Z' }), [role(2, ['alice'], ['bob', 'carol'])], NOW)).toMatchObject({ state: 'expired', status: 'expired 3 h ago' });
    expect(summarize(request(), [role(2, ['alice', 'bob'], [], { landed: true })], NOW)).toMatchObject({ state: 'submitted', status: 'submitted: releases v13 published' });
  });
  it('a bundle names the role that still waits', () => {
    const parent = role(1, ['owner'], [], { role: 'targets', version: 8 });
    expect(summarize(request(), [parent, role(2, ['alice'], ['bob', 'carol'])], NOW).status).toBe('1 of 2 signed (alice) — waiting on 1 more: bob or carol');
    expect(summarize(request(), [role(1, [], ['owner'], { role: 'targets', version: 8 }), role(2, ['alice'], ['bob', 'carol'])], NOW).status).toBe(
      'targets: 0 of 1 signed — waiting on owner; releases: 1 of 2 signed (alice) — waiting on 1 more: bob or carol',
    );
  });
});

describe('request documents', () => {
  it('round-trips and recomputes the digest; altered content is refused', () => {
    const text = serializeRequest(request());
    expect(parseRequestDocument(text, 'r.json')).toEqual(request());
    const altered = JSON.parse(text);
    altered.roles[0].signed.version = 14;
    expect(() => parseRequestDocument(JSON.stringify(altered), 'r.json')).toThrow(/signedDigest does not match its signed content/);
  });
  it('merge is a union of signatures and refuses copies with other content', () => {
    const mine = request();
    mine.roles[0]!.signatures = [{ keyid: 'a', method: 'ecdsa', sig: 'x' }];
    const theirs = request();
    theirs.roles[0]!.signatures = [{ keyid: 'b', method: 'ecdsa', sig: 'y' }, { keyid: 'a', method: 'ecdsa', sig: 'x' }];
    expect(mergeRequests(mine, theirs).roles[0]!.signatures.map((s) => s.keyid)).toEqual(['a', 'b']);
    const other = { ...signed, version: 14 };
    const rebased = request({ roles: [{ ...theirs.roles[0]!, signed: other, signedDigest: signedDigest(other) }] });
    expect(() => mergeRequests(mine, rebased)).toThrow(/different content/);
  });
});
