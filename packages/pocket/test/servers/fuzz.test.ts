// Fuzzing the emulator's servers in process: seeded random and mutated requests to every route of
// the REST API, the IC HTTP interface (v2/v3/v4, on the REST server and on the gateway) and the
// gateway's canister pages, clients hanging up mid-body among them. Every request must be answered
// without a 500, and afterwards a normal session (REST, agent call and query, page) must work.
// FUZZ_SEED=<n> replays a run; FUZZ_COUNT=<n> sends more requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fuzzServers } from '../../src/testing/server-fuzz.js';
import { normalSession, PAGE, startServers, type Servers } from './harness.js';

const SEEDS = process.env.FUZZ_SEED ? [Number(process.env.FUZZ_SEED)] : [1, 2, 3];
const COUNT = Number(process.env.FUZZ_COUNT ?? 400);

describe('the servers survive fuzzed requests', () => {
  let servers: Servers;

  beforeAll(async () => {
    servers = await startServers();
  });

  afterAll(async () => {
    await servers?.close();
  });

  for (const seed of SEEDS) {
    it(`answers ${COUNT} requests of seed ${seed} without an internal error, then serves a normal session`, async () => {
      const report = await fuzzServers({ seed, count: COUNT, deadlineMs: 15_000, target: servers.target });
      expect(report.failures, `seed ${seed}: ${JSON.stringify(report.byStatus)}`).toEqual([]);
      expect(report.sent).toBeGreaterThan(COUNT / 4);
      // The run reached every kind of answer, not only one refusal.
      expect(Object.keys(report.byStatus).length).toBeGreaterThan(4);
      const session = await normalSession(servers);
      expect(session.page).toBe(PAGE);
    });
  }
});
