// ~5 s of seeded protocol fuzzing against a real tsvirtd process serving the test driver.
// Set TSVIRT_FUZZ_SEED / TSVIRT_FUZZ_MS to reproduce or lengthen a run.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { canary, runFuzz } from './fuzz.js';
import { spawnDaemon, type SpawnedDaemon } from './spawn.js';

const seed = Number(process.env['TSVIRT_FUZZ_SEED'] ?? 20261130);
const durationMs = Number(process.env['TSVIRT_FUZZ_MS'] ?? 5000);

describe('protocol fuzzing', () => {
  let d: SpawnedDaemon;
  before(async () => { d = await spawnDaemon({ config: 'drivers = [ "test" ]\nmax_anonymous_clients = 50\n' }); });
  after(async () => { await d.stop(); });

  it(`survives ${durationMs} ms of mutated captured packets (seed ${seed})`, async (t) => {
    const rep = await runFuzz({
      socket: d.rw, seed, durationMs,
      check: () => {
        if (d.proc.exitCode !== null || d.proc.signalCode !== null) throw new Error(`tsvirtd died: ${d.stderr()}`);
      },
    });
    t.diagnostic(JSON.stringify(rep));
    assert.ok(rep.rounds > 5 && rep.sessions > 20, JSON.stringify(rep));
    await canary(d.rw);
    assert.equal(d.proc.exitCode, null, 'the daemon is still running');
    // Framing errors are logged as warnings; an "error" line means a call failed unexpectedly
    // (an exception that was not a VirError) or the daemon caught something it should not have.
    const errors = d.stderr().split('\n').filter((l) => / error : /.test(l));
    assert.deepEqual(errors, [], `seed ${seed}`);
  });
});
