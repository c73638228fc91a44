/** The command deadline: one budget for all requests, stopped while the user answers a prompt. */
import { describe, expect, it } from 'vitest';
import { Deadline, parseTimeout, RequestTimeoutError } from '../../src/net/deadline.js';

describe('Deadline', () => {
  it('counts down across requests and stops while waiting for the user', async () => {
    let now = 0;
    const deadline = new Deadline(30_000, () => now);
    now = 10_000;
    expect(deadline.remainingMs()).toBe(20_000);
    await deadline.excluding(async () => {
      now = 70_000; // a minute at the passphrase prompt
      expect(deadline.remainingMs()).toBe(20_000);
    });
    now = 75_000;
    expect(deadline.remainingMs()).toBe(15_000);
    now = 200_000;
    expect(deadline.remainingMs()).toBe(0);
  });

  it('parses --timeout durations and refuses anything else', () => {
    expect(parseTimeout('10s')).toBe(10_000);
    expect(parseTimeout('1.5s')).toBe(1500);
    expect(parseTimeout('500ms')).toBe(500);
    expect(parseTimeout('2m')).toBe(120_000);
    expect(parseTimeout('45')).toBe(45_000);
    for (const bad of ['', 'soon', '0', '-1s', '10h']) expect(parseTimeout(bad), bad).toBeUndefined();
  });

  it('names the request that hung and what to do', () => {
    expect(new RequestTimeoutError('GET https://n.example/v2/x/_trust/tuf/timestamp.json', 'answer', 30_000)).toMatchObject({
      message: 'GET https://n.example/v2/x/_trust/tuf/timestamp.json did not answer within 30s',
      hint: { cli: 'is the server up? use --timeout to wait longer' },
    });
  });
});
