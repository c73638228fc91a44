import { describe, expect, it } from 'vitest';
import { hostnameOf, isLoopbackHost } from '../../src/registry/hosts.js';

describe('isLoopbackHost: where plain http may be used', () => {
  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1:4443', true],
    ['127.8.9.10', true],
    ['[::1]:5000', true],
    ['::1', true],
    ['10.0.0.1:5000', false],
    ['128.0.0.1', false],
    ['registry.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['localhost.example.com', false],
  ])('%s -> %s', (host, loopback) => expect(isLoopbackHost(host)).toBe(loopback));

  it('strips ports and IPv6 brackets', () => {
    expect(hostnameOf('[::1]:5000')).toBe('::1');
    expect(hostnameOf('registry.example.com:5000')).toBe('registry.example.com');
    expect(hostnameOf('fe80::1')).toBe('fe80::1');
  });
});
