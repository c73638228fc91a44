import { describe, expect, it } from 'vitest';
import {
  ALL_PATHS,
  ancestorRoleNames,
  BASE_ROLES,
  delegationNameProblem,
  isBaseRole,
  isDelegationName,
  isDirectChild,
  isPathAllowed,
  isTargetsRoleName,
  parentRoleName,
  restrictPaths,
} from '../../src/tuf/delegation.js';

describe('delegation names', () => {
  it.each(['targets/releases', 'targets/a/b', 'targets/qa-team_2', 'targets/-'])('accepts %s', (name) => {
    expect(isDelegationName(name)).toBe(true);
    expect(delegationNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['targets', /does not start with "targets\/"/],
    ['releases', /does not start/],
    ['targets/', /trailing/],
    ['targets/a/', /trailing/],
    ['targets//a', /empty path segment/],
    ['targets/Releases', /may only contain/],
    ['targets/a.b', /may only contain/],
    ['targets/a b', /may only contain/],
    ['targets/../root', /may only contain/],
    ['targets/' + 'x'.repeat(248), /longer than 255/],
  ])('rejects %s', (name, why) => {
    expect(isDelegationName(name)).toBe(false);
    expect(delegationNameProblem(name)).toMatch(why);
  });

  it('allows exactly 255 characters (the database column limit)', () => {
    expect(isDelegationName('targets/' + 'x'.repeat(247))).toBe(true);
  });

  it('knows the base roles and the names a Targets file may have', () => {
    expect(BASE_ROLES).toEqual(['root', 'targets', 'snapshot', 'timestamp']);
    expect(isBaseRole('snapshot')).toBe(true);
    expect(isBaseRole('targets/a')).toBe(false);
    expect(isTargetsRoleName('targets')).toBe(true);
    expect(isTargetsRoleName('targets/a')).toBe(true);
    expect(isTargetsRoleName('root')).toBe(false);
  });

  it('declares a delegation only in its direct parent', () => {
    expect(parentRoleName('targets/a/b')).toBe('targets/a');
    expect(parentRoleName('targets/a')).toBe('targets');
    expect(isDirectChild('targets', 'targets/a')).toBe(true);
    expect(isDirectChild('targets/a', 'targets/a/b')).toBe(true);
    expect(isDirectChild('targets', 'targets/a/b')).toBe(false);
    expect(isDirectChild('targets/a', 'targets/ab')).toBe(false);
    expect(ancestorRoleNames('targets/a/b/c')).toEqual(['targets', 'targets/a', 'targets/a/b']);
  });
});

describe('delegation paths (plain prefixes, not globs)', () => {
  it('allows a target when some path is a string prefix of its name', () => {
    expect(isPathAllowed('v1.0', ALL_PATHS)).toBe(true);
    expect(isPathAllowed('qa/v1', ['qa/', 'prod/'])).toBe(true);
    expect(isPathAllowed('qa', ['qa/'])).toBe(false);
    expect(isPathAllowed('qa-old/v1', ['qa'])).toBe(true); // a prefix, not a directory
    expect(isPathAllowed('qa/v1', ['qa/*'])).toBe(false); // no globbing
    expect(isPathAllowed('anything', [])).toBe(false);
  });

  it("keeps only child paths that lie within one of the parent's paths", () => {
    expect(restrictPaths(['qa/', 'prod/x', 'dev'], ['prod/', 'qa/'])).toEqual(['qa/', 'prod/x']);
    expect(restrictPaths([''], ['qa/'])).toEqual([]); // a child cannot widen to all paths
    expect(restrictPaths(['', 'a'], ALL_PATHS)).toEqual(['', 'a']);
    expect(restrictPaths([], ALL_PATHS)).toEqual([]);
  });
});
