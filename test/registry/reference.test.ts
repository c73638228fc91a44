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
    ['', 'invalid reference format: it is empty'],
    ['alpine:', 'invalid reference format: the tag after ":" is empty'],
    ['alpine:-bad', 'invalid reference format: the tag "-bad" must start with a letter, digit or "_" and contain only letters, digits, "_", "." and "-"'],
    [`alpine:${'t'.repeat(129)}`, 'invalid reference format: the tag is 129 characters long; at most 128 are allowed'],
    [`registry.example.com/team/app:${'t'.repeat(200)}`, 'invalid reference format: the tag is 200 characters long; at most 128 are allowed'],
    ['a//b', 'invalid reference format: it has an empty path component (a "/" at the start or end, or "//")'],
    ['a/-b', 'invalid reference format: the path component "-b" must start and end with a lowercase letter or digit, with only ".", "_", "__" or "-" in between'],
    ['a___b', 'invalid reference format: the path component "a___b" must start and end with a lowercase letter or digit, with only ".", "_", "__" or "-" in between'],
    ['registry.example.com/team/app:v1:v2', 'invalid reference format: it has more than one ":" after the repository name; a tag follows a single ":"'],
    ['registry.example.com/team/app::v1', 'invalid reference format: it has more than one ":" after the repository name; a tag follows a single ":"'],
    ['registry.example.com/team/my app:v1', 'invalid reference format: it contains a space at character 29'],
    ['registry.example.com/team/café:v1', 'invalid reference format: it contains "é" at character 30; only letters a-z, digits, ".", "_", "-", "/", ":" and "@" are allowed'],
    ['registry:abc/app', 'invalid reference format: the registry "registry:abc" is not a valid host[:port]'],
    ['alpine@sha256:abc', 'invalid reference format: the digest after "@" must be ALGORITHM:HEX, e.g. sha256:<64 hex digits>'],
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
