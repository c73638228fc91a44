import { describe, expect, it } from 'vitest';
import { redactUrlsIn } from '../../src/server/redact-url.js';
import { DatabaseUrlError, poolConfig, redactDatabaseUrl } from '../../src/server/stores/postgres-url.js';

describe('--database URLs', () => {
  it('hides the password, and only the password', () => {
    expect(redactDatabaseUrl('postgres://trust:s3cr%40t@db.example.com:5433/trust?sslmode=require')).toBe(
      'postgres://trust:***@db.example.com:5433/trust?sslmode=require',
    );
    expect(redactDatabaseUrl('postgres://trust@db/trust')).toBe('postgres://trust@db/trust');
    expect(redactDatabaseUrl('postgres://trust:pw@[oops')).not.toContain('pw');
  });

  it('hides a password given as a query parameter, and in the import source forms', () => {
    expect(redactDatabaseUrl('postgres://trust@db/trust?sslmode=require&password=hunter2')).toBe('postgres://trust@db/trust?sslmode=require&password=***');
    expect(redactDatabaseUrl('mysql://notary:hunter2@db:3306/notaryserver')).toBe('mysql://notary:***@db:3306/notaryserver');
    expect(redactDatabaseUrl('db/x?password=hunter2')).not.toContain('hunter2');
    expect(redactDatabaseUrl('sqlite:/srv/notary/server.db')).toBe('sqlite:/srv/notary/server.db');
  });

  it("keeps a driver's message readable while hiding the URLs in it", () => {
    expect(redactUrlsIn("Access denied for user 'trust'@'127.0.0.1' (using password: YES)")).toBe("Access denied for user 'trust'@'127.0.0.1' (using password: YES)");
    expect(redactUrlsIn('cannot reach postgres://u:hunter2@db:5432/x: timeout')).toBe('cannot reach postgres://u:***@db:5432/x: timeout');
  });

  it('reads host, port, database, user and a percent-encoded password', () => {
    const config = poolConfig({ url: 'postgresql://tr%75st:p%40ss%3Aword@db.example.com:5433/trust', poolSize: 7 });
    expect(config).toMatchObject({ host: 'db.example.com', port: 5433, database: 'trust', user: 'trust', password: 'p@ss:word', max: 7, ssl: false });
    expect(poolConfig({ url: 'postgres://u@[::1]/d' })).toMatchObject({ host: '::1', port: 5432 });
  });

  it('maps sslmode as libpq does, and --database-ca implies verify-full', () => {
    const ca = '-----BEGIN CERTIFICATE-----\n…';
    expect(poolConfig({ url: 'postgres://u@h/d?sslmode=require' }).ssl).toEqual({ rejectUnauthorized: false });
    const verifyCa = poolConfig({ url: 'postgres://u@h/d?sslmode=verify-ca', ca }).ssl as Record<string, unknown>;
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca });
    expect(typeof verifyCa.checkServerIdentity).toBe('function');
    expect(poolConfig({ url: 'postgres://u@h/d', ca }).ssl).toEqual({ rejectUnauthorized: true, ca });
    expect(poolConfig({ url: 'postgres://u@h/d?sslmode=verify-full' }).ssl).toEqual({ rejectUnauthorized: true });
  });

  it('refuses what it would have to guess at, naming the URL without its password', () => {
    const refused = (url: string, ca?: string) => {
      try {
        poolConfig({ url, ...(ca ? { ca } : {}) });
      } catch (e) {
        expect(e).toBeInstanceOf(DatabaseUrlError);
        expect((e as Error).message).not.toContain('hunter2');
        return (e as Error).message;
      }
      throw new Error(`accepted ${url}`);
    };
    expect(refused('postgres://u:hunter2@h/d?sslmode=prefer')).toMatch(/sslmode=prefer is not supported; use disable, require, verify-ca, verify-full/);
    expect(refused('postgres://u:hunter2@h/d?sslmode=disable', 'pem')).toMatch(/--database-ca is given but the URL says sslmode=disable/);
    expect(refused('mysql://u:hunter2@h/d')).toMatch(/only postgres:\/\/ URLs/);
    expect(refused('postgres://u:hunter2@h/')).toMatch(/postgres:\/\/u:\*\*\*@h\/: name the host and the database/);
    expect(refused('postgres://u:hunter2@h/d?sslrootcert=/x')).toMatch(/sslrootcert is not supported/);
    expect(refused('u:hunter2@h')).toMatch(/^--database \*\*\*@h: only postgres:\/\/ URLs/);
    expect(refused('trust hunter2@localhost/trust')).toMatch(/^--database \*\*\*@localhost\/trust: not a URL/);
  });
});
