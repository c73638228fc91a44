// The apply plan's summary line when no repository could be read: it must not read as "in sync".
import { describe, expect, it } from 'vitest';
import { renderApplyPlan } from '../../../src/trust/signing-policy/render.js';

describe('renderApplyPlan', () => {
  it('with every repository unreadable, says nothing can be applied rather than "No changes: 0 repositorys match"', () => {
    const text = renderApplyPlan({ repositories: [], failures: [{ gun: 'registry.example.com/team/app', error: 'cannot reach the trust server' }] });
    expect(text.split('\n')).toEqual([
      'registry.example.com/team/app   could not be read: cannot reach the trust server',
      '',
      'Nothing to apply: no repository of the policy could be read.',
    ]);
  });
});
