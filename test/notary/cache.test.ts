/** The trust cache: notary's layout, permissions, exact bytes, refusal of unsafe names. */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';

describe('TrustCache', () => {
  let trustDir: string;
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'trust-cache-'));
    trustDir = path.join(root, 'docker', 'trust');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("writes notary's layout with 0700 directories and 0600 files, bytes unchanged", async () => {
    const cache = new TrustCache(trustDir);
    const bytes = Buffer.from('{"signed":{"a":"\\u003c"},"signatures":[]}'); // no trailing newline
    await cache.write('127.0.0.1:5000/team/app', 'targets/releases', bytes);
    await cache.write('127.0.0.1:5000/team/app', 'targets/a/b', bytes);
    await cache.write('127.0.0.1:5000/team/app', 'root', bytes);

    const metadata = path.join(trustDir, 'tuf', '127.0.0.1:5000', 'team', 'app', 'metadata');
    expect(await readFile(path.join(metadata, 'targets', 'releases.json'))).toEqual(bytes);
    expect(await readFile(path.join(metadata, 'targets', 'a', 'b.json'))).toEqual(bytes);
    expect(await readFile(path.join(metadata, 'root.json'))).toEqual(bytes);
    expect((await stat(path.join(metadata, 'root.json'))).mode & 0o777).toBe(0o600);
    for (const dir of [trustDir, path.join(trustDir, 'tuf'), metadata, path.join(metadata, 'targets', 'a')]) {
      expect((await stat(dir)).mode & 0o777, dir).toBe(0o700);
    }
    // no temp files left behind by the atomic rename
    expect((await readdir(metadata)).sort()).toEqual(['root.json', 'targets']);
  });

  it('reads back what it wrote, undefined for missing roles, and replaces files atomically', async () => {
    const cache = new TrustCache(trustDir);
    expect(await cache.read('example.com/app', 'timestamp')).toBeUndefined();
    await cache.write('example.com/app', 'timestamp', Buffer.from('one'));
    await cache.write('example.com/app', 'timestamp', Buffer.from('two'));
    expect((await cache.read('example.com/app', 'timestamp'))?.toString()).toBe('two');
    await cache.remove('example.com/app', 'timestamp');
    expect(await cache.read('example.com/app', 'timestamp')).toBeUndefined();
  });

  it('lists cached delegations (nested, sorted, no temp or foreign files); none without a directory; an unreadable one rejects', async () => {
    const cache = new TrustCache(trustDir);
    const gun = 'example.com/app';
    expect(await cache.cachedDelegations(gun)).toEqual([]);
    for (const role of ['targets/releases', 'targets/a/b', 'targets/a', 'targets', 'snapshot']) await cache.write(gun, role, Buffer.from('x'));
    const targetsDir = path.join(cache.metadataDir(gun), 'targets');
    await writeFile(path.join(targetsDir, '.releases.json.0123456789ab.tmp'), 'half');
    await writeFile(path.join(targetsDir, 'notes.txt'), 'not metadata');
    expect(await cache.cachedDelegations(gun)).toEqual(['targets/a', 'targets/a/b', 'targets/releases']);
    await rm(targetsDir, { recursive: true });
    await writeFile(targetsDir, 'a file where the directory belongs');
    await expect(cache.cachedDelegations(gun)).rejects.toThrow(/ENOTDIR/);
  });

  it('removes one repository and nothing else', async () => {
    const cache = new TrustCache(trustDir);
    await cache.write('example.com/app', 'root', Buffer.from('a'));
    await cache.write('example.com/app2', 'root', Buffer.from('b'));
    await cache.removeRepository('example.com/app');
    expect(await cache.read('example.com/app', 'root')).toBeUndefined();
    expect((await cache.read('example.com/app2', 'root'))?.toString()).toBe('b');
  });

  it('refuses names that would escape the cache directory', async () => {
    const cache = new TrustCache(trustDir);
    await expect(cache.write('example.com/app', '../../evil', Buffer.from('x'))).rejects.toThrow(/not a role name/);
    await expect(cache.write('example.com/../../x', 'root', Buffer.from('x'))).rejects.toThrow(/not a repository name/);
    await expect(cache.read('/etc', 'root')).rejects.toThrow(/not a repository name/);
    expect(() => cache.filePath('example.com/app', 'Targets')).toThrow();
  });
});
