// `trust-tui server` on PostgreSQL: two servers on one database act as replicas of one server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { stopAllPeers } from '../helpers/peers.js';
import { TestRepo } from './repo-fixture.js';
import { startTestServer, type TestServer } from './server-harness.js';

afterAll(stopAllPeers);

describe('two servers on one PostgreSQL database', () => {
  let pg: PostgresCluster;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase('replicas');
    a = await startTestServer({ database: { url } });
    b = await startTestServer({ database: { url } });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('a publish through one is served by the other, byte for byte', async () => {
    const gun = 'example.com/pg/app';
    const repo = await TestRepo.create(gun, await a.timestampKey(gun));
    // The other replica hands out the same pending timestamp key.
    expect((await b.timestampKey(gun)).id).toBe((await a.timestampKey(gun)).id);
    const files = repo.firstPublish();
    const published = await a.publish(gun, files);
    expect(published.status, published.text()).toBe(200);
    for (const { role, data } of files) {
      const res = await b.request('GET', `/v2/${gun}/_trust/tuf/${role}.json`);
      expect(res.status).toBe(200);
      expect(Buffer.from(res.body).equals(data)).toBe(true);
    }
    const timestampA = await a.request('GET', `/v2/${gun}/_trust/tuf/timestamp.json`);
    const timestampB = await b.request('GET', `/v2/${gun}/_trust/tuf/timestamp.json`);
    expect(timestampB.text()).toBe(timestampA.text());
    // The change feed is the same, whichever replica answers.
    const feedA = await a.request('GET', '/v2/_trust/changefeed?change_id=0&records=10');
    const feedB = await b.request('GET', '/v2/_trust/changefeed?change_id=0&records=10');
    expect(feedB.json()).toEqual(feedA.json());
  });
});
