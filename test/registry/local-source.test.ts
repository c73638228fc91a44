import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalImageError, parseLocalSource } from '../../src/registry/local/index.js';
import { makeScratchDirSync, removeScratchDir } from '../helpers/proc.js';

const dir = makeScratchDirSync('local-source');
afterAll(() => removeScratchDir(dir));

function error(input: string): LocalImageError {
  try {
    parseLocalSource(input);
  } catch (e) {
    expect(e).toBeInstanceOf(LocalImageError);
    return e as LocalImageError;
  }
  throw new Error(`${input} was accepted`);
}

describe('parseLocalSource', () => {
  it('reads each transport with and without a reference', () => {
    expect(parseLocalSource('oci:build/app')).toEqual({ kind: 'oci', location: 'build/app', input: 'oci:build/app' });
    expect(parseLocalSource('oci:build/app:1.0')).toMatchObject({ kind: 'oci', location: 'build/app', ref: '1.0' });
    expect(parseLocalSource('oci-archive:app.tar:v2')).toMatchObject({ kind: 'oci-archive', location: 'app.tar', ref: 'v2' });
    expect(parseLocalSource('docker-archive:app.tar')).toMatchObject({ kind: 'docker-archive', location: 'app.tar' });
    expect(parseLocalSource('docker-archive:app.tar:app:1.0')).toMatchObject({ location: 'app.tar', ref: 'app:1.0' });
    expect(parseLocalSource('docker-daemon:registry:5000/app:1.0')).toMatchObject({ kind: 'docker-daemon', location: 'registry:5000/app:1.0' });
  });

  it('keeps colons in a path that exists, and splits after the part that exists', () => {
    const withColon = path.join(dir, 'a:b');
    mkdirSync(withColon);
    expect(parseLocalSource(`oci:${withColon}`)).toEqual({ kind: 'oci', location: withColon, input: `oci:${withColon}` });
    expect(parseLocalSource(`oci:${withColon}:latest`)).toMatchObject({ location: withColon, ref: 'latest' });
    const archive = path.join(dir, 'x:y.tar');
    writeFileSync(archive, '');
    expect(parseLocalSource(`docker-archive:${archive}:team/app:1.0`)).toMatchObject({ location: archive, ref: 'team/app:1.0' });
  });

  it('refuses bad input in one line naming the forms', () => {
    const unknown = error('docker://alpine');
    expect(unknown.message).toBe('--from docker://alpine: unknown transport "docker"');
    expect(unknown.hint?.cli).toContain('oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:IMAGE] or docker-daemon:IMAGE');
    expect(error('build/app').message).toContain('no transport given');
    expect(error('oci:').message).toContain('no path given');
    expect(error('oci:dir:').message).toContain('empty reference after "dir:"');
    expect(error('oci:dir:bad ref').message).toContain('"bad ref" is not a valid reference name');
    expect(error('docker-archive:x.tar:UPPER:1').message).toContain('is not a valid image name');
    expect(error('docker-daemon:').message).toContain('no image named');
    expect(error('docker-daemon:Not Valid').message).toContain('is not an image name or ID');
    for (const input of ['docker://alpine', 'oci:dir:bad ref']) expect(error(input).message).not.toContain('\n');
  });
});
