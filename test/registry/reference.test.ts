import { describe, expect, it } from 'vitest';
import { formatReference, isValidTag, parseReference, requireTag } from '../../src/registry/reference.js';

const HEX64 = 'a'.repeat(64);

describe('parseReference: normalisation as docker does it (distribution/reference)', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', undefined],
    ['alpine:3.19', 'docker.io', 'library/alpine', '3.19'],
    ['user/app', 'docker.io', 'user/app', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', undefined],
    ['index.docker.io/user/app:latest', 'docker.io', 'user/app', 'latest'],
    ['registry.example.com:5000/team/app:v2', 'registry.example.com:5000', 'team/app', 'v2'],
    ['registry.example.com/team/sub/app', 'registry.example.com', 'team/sub/app', undefined],
    ['localhost/x', 'localhost', 'x', undefined],
    ['localhost:5000/x:1.0', 'localhost:5000', 'x', '1.0'],
    ['127.0.0.1:4443/foo/bar', '127.0.0.1:4443', 'foo/bar', undefined],
    ['[::1]:5000/app', '[::1]:5000', 'app', undefined],
    ['ghcr.io/foo/bar', 'ghcr.io', 'foo/bar', undefined],
    ['a/b_c/d-e__f.g', 'docker.io', 'a/b_c/d-e__f.g', undefined],
    ['team/app:Tag_With.Dots-1', 'docker.io', 'team/app', 'Tag_With.Dots-1'],
  ])('%s -> %s / %s', (input, registryHost, path, tag) => {
    const ref = parseReference(input);
    expect(ref).toMatchObject({ input, registryHost, path, gun: `${registryHost}/${path}` });
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBeUndefined();
  });

  it('keeps a digest, with or without a tag', () => {
    expect(parseReference(`alpine@sha256:${HEX64}`)).toMatchObject({
      gun: 'docker.io/library/alpine',
      digest: `sha256:${HEX64}`,
    });
    const both = parseReference(`registry.example.com/app:v1@sha256:${HEX64}`);
    expect(both).toMatchObject({ tag: 'v1', digest: `sha256:${HEX64}` });
    expect(formatReference(both)).toBe(`registry.example.com/app:v1@sha256:${HEX64}`);
  });

  it.each([
    ['Alpine', 'invalid reference format: repository name (library/Alpine) must be lowercase'],
    ['user/App:v1', 'invalid reference format: repository name (user/App) must be lowercase'],
    ['', 'invalid reference format'],
    ['alpine:', 'invalid reference format'],
    ['alpine:-bad', 'invalid reference format'],
    [`alpine:${'t'.repeat(129)}`, 'invalid reference format'],
    ['a//b', 'invalid reference format'],
    ['a/-b', 'invalid reference format'],
    ['a___b', 'invalid reference format'],
    ['registry.example.com/team/app:v1:v2', 'invalid reference format'],
    ['alpine@sha256:abc', 'invalid reference format'],
    [HEX64, `invalid repository name (${HEX64}), cannot specify 64-byte hexadecimal strings`],
    [`alpine@sha256:${'a'.repeat(40)}`, 'invalid checksum digest length'],
    [`alpine@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    [`alpine@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    [`x.io/${'a'.repeat(251)}`, 'repository name must not be more than 255 characters'],
  ])('refuses %j with docker\'s message', (input, message) => {
    expect(() => parseReference(input)).toThrow(message);
    try {
      parseReference(input);
    } catch (e) {
      expect((e as Error).name).toBe('ReferenceError');
      expect((e as Error).message).toBe(message);
    }
  });

  it('accepts a name of exactly 255 characters', () => {
    expect(parseReference(`x.io/${'a'.repeat(250)}`).gun).toHaveLength(255);
  });
});

describe('requireTag', () => {
  it('passes a tagged reference through', () => {
    expect(requireTag(parseReference('alpine:3')).tag).toBe('3');
  });
  it('names the input when there is no tag', () => {
    expect(() => requireTag(parseReference('registry.example.com/team/app'))).toThrow(
      'no tag specified for registry.example.com/team/app',
    );
  });
  it('refuses a digest-only reference as docker trust sign does', () => {
    expect(() => requireTag(parseReference(`alpine@sha256:${HEX64}`))).toThrow(
      'cannot use a digest reference for IMAGE:TAG',
    );
  });
});

describe('isValidTag', () => {
  it.each([
    ['v1', true],
    ['_x', true],
    ['.x', false],
    ['-x', false],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['a/b', false],
  ])('%s -> %s', (tag, valid) => expect(isValidTag(tag)).toBe(valid));
});
