// The policy file's schema: what it accepts (YAML and JSON, teams expanded, defaults) and that every
// error names the line of the value at fault.
import { describe, expect, it } from 'vitest';
import { ruleFor } from '../../../src/trust/signing-policy/match.js';
import { parsePolicy, PolicyFileError } from '../../../src/trust/signing-policy/schema.js';
import { BILLION_LAUGHS } from '../../helpers/alias-bomb.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const TEAM_OF_THREE = `version: 1
signers:
  alice: { key: ${A} }
  bob:   { key: ${B} }
  carol: { keys: [${C}] }
teams:
  qa: [alice, bob]
  ops: [carol]
repositories:
  - match: registry.example.com/payments/*
    roles:
      targets/releases: { signers: [alice, bob, carol], threshold: 2 }
      qa: { team: qa }
      targets/ops: { team: ops, paths: ["v", ""] }
    deployable: { all_of: [releases, qa, ops] }
    expiry: { min_remaining: { root: 180d, delegations: 30d } }
  - match: registry.example.com/payments/api
    deployable: { k_of: { k: 2, roles: [targets/releases, targets] }, same_digest: false }
`;

function errorOf(text: string): PolicyFileError {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (e) {
    if (e instanceof PolicyFileError) return e;
    throw e;
  }
  throw new Error('parsed without an error');
}

describe('parsePolicy', () => {
  it('reads a team of three: teams expanded, threshold and paths defaulted, durations in ms', () => {
    const p = parsePolicy(TEAM_OF_THREE);
    expect(p.signers.get('carol')).toEqual({ name: 'carol', keys: [C] });
    const [payments, api] = p.repositories;
    expect(payments!.roles).toEqual([
      { role: 'targets/releases', signers: ['alice', 'bob', 'carol'], teams: [], threshold: 2, paths: [''] },
      { role: 'targets/qa', signers: ['alice', 'bob'], teams: ['qa'], threshold: 1, paths: [''] },
      { role: 'targets/ops', signers: ['carol'], teams: ['ops'], threshold: 1, paths: ['', 'v'] },
    ]);
    expect(payments!.deployable).toEqual({ kind: 'all_of', roles: ['targets/releases', 'targets/qa', 'targets/ops'], sameDigest: true });
    expect(payments!.minExpiry).toEqual({ root: 180 * 86_400_000, delegations: 30 * 86_400_000 });
    expect(payments!.unknownKeys).toBe('error');
    expect(api!.deployable).toEqual({ kind: 'k_of', k: 2, roles: ['targets/releases', 'targets'], sameDigest: false });
    expect(api!.roles).toBeUndefined();
  });

  it('accepts the same policy as JSON, tab-indented too', () => {
    const json = JSON.stringify({ version: 1, signers: { alice: { key: A } }, repositories: [{ match: 'r.example/x', roles: { releases: { signers: ['alice'] } } }] }, null, '\t');
    expect(parsePolicy(json).repositories[0]!.roles![0]!.role).toBe('targets/releases');
  });

  it('the most specific match wins; an exact name beats a pattern', () => {
    const p = parsePolicy(TEAM_OF_THREE);
    expect(ruleFor(p, 'registry.example.com/payments/api')!.match).toBe('registry.example.com/payments/api');
    expect(ruleFor(p, 'registry.example.com/payments/web')!.match).toBe('registry.example.com/payments/*');
    expect(ruleFor(p, 'registry.example.com/payments/web/sub')).toBeUndefined();
    expect(ruleFor(p, 'registry.example.com/other')).toBeUndefined();
  });

  it.each([
    ['an unsatisfiable threshold', TEAM_OF_THREE.replace('threshold: 2', 'threshold: 4'), 12, /targets\/releases: threshold 4 can never be met: its signers hold 3 distinct keys/],
    ['an unknown signer in a role', TEAM_OF_THREE.replace('[alice, bob, carol]', '[alice, dave]'), 12, /targets\/releases: dave is not one of the signers/],
    ['an unknown team', TEAM_OF_THREE.replace('team: ops,', 'team: sec,'), 14, /targets\/ops: sec is not one of the teams/],
    ['a short key ID', TEAM_OF_THREE.replace(`{ key: ${B} }`, '{ key: bbbbbbb }'), 4, /signers\.bob\.key must be a full canonical key ID/],
    ['a misspelt field', TEAM_OF_THREE.replace('deployable: { all_of', 'deploy: { all_of'), 15, /unknown field repositories\[0\]\.deploy/],
    ['a bad duration', TEAM_OF_THREE.replace('180d', 'half a year'), 16, /root: expected a duration/],
    ['a rule naming a role the repository does not have', TEAM_OF_THREE.replace('[releases, qa, ops]', '[releases, sec]'), 15, /targets\/sec is not one of this repository's roles/],
    ['a key listed for two signers', TEAM_OF_THREE.replace(`{ key: ${B} }`, `{ key: ${A} }`), 4, /key aaaaaaa is listed for both alice and bob/],
    ['a wrong schema version', TEAM_OF_THREE.replace('version: 1', 'version: 2'), 1, /version must be 1/],
    ['YAML that does not parse (a key given twice)', TEAM_OF_THREE.replace('  bob:   {', '  alice: {'), 4, /not valid YAML or JSON: Map keys must be unique/],
  ])('names the line of %s', (_what, text, line, message) => {
    const e = errorOf(text);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(new RegExp(`^p\\.yaml:${line}:\\d+: `));
    expect(e.message).toMatch(message);
  });
});

describe('parsePolicy and YAML aliases', () => {
  it('a few aliases are read as what they name', () => {
    const text = TEAM_OF_THREE.replace('qa: [alice, bob]', 'qa: &qa [alice, bob]').replace('ops: [carol]', 'ops: *qa');
    expect(parsePolicy(text).teams.get('ops')).toEqual(['alice', 'bob']);
  });

  it('an alias bomb is refused at once, in one line naming the file, the cause and what to do', () => {
    const started = performance.now();
    const e = errorOf(BILLION_LAUGHS);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.message).toBe(
      'p.yaml: too many aliases: its aliases (*name) are nested or used so often that expanding them would multiply the data, as a "billion laughs" file does',
    );
    expect(e.hint?.cli).toMatch(/write the repeated parts out, or use fewer aliases/);
    expect(e.message).not.toMatch(/resource exhaustion|Excessive/);
  });

  it('one set of roles shared by a thousand repositories is read, each repository with those roles', () => {
    const repositories = Array.from({ length: 999 }, (_, i) => `  - { match: registry.example.com/app${i + 1}, roles: *std }`);
    const text = [
      'version: 1',
      `signers: { alice: { key: ${A} }, bob: { key: ${B} } }`,
      'repositories:',
      '  - { match: registry.example.com/app0, roles: &std { targets/releases: { signers: [alice, bob], threshold: 2 } } }',
      ...repositories,
      '',
    ].join('\n');
    const p = parsePolicy(text);
    expect(p.repositories).toHaveLength(1000);
    expect(p.repositories[999]!.roles![0]!.role).toBe('targets/releases');
  });

  it('so is one anchor used far more often than any policy needs', () => {
    const e = errorOf(`version: 1\nx: &x registry.example.com/app\nrepositories: [${Array(10_001).fill('{ match: *x }').join(', ')}]\n`);
    expect(e.message).toMatch(/^p\.yaml: too many aliases: /);
  });

  it('an alias that names no anchor names its line', () => {
    const e = errorOf(TEAM_OF_THREE.replace('ops: [carol]', 'ops: *sec'));
    expect(e.message).toMatch(/^p\.yaml:8:\d+: alias \*sec names no anchor &sec before it$/);
  });
});
