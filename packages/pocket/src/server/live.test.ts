import { describe, expect, it, vi } from 'vitest';

import type { IcInstance } from '../instance.js';
import { AutoProgress } from './live.js';

describe('auto-progress', () => {
  it('logs a failing round and keeps the clock going instead of ending the process', async () => {
    let rounds = 0;
    // An instance whose rounds fail: the loop must survive them (a throw from a timer is fatal).
    const ic = {
      time: 0n,
      setCertifiedTime(t: bigint) { this.time = t; },
      setTime(t: bigint) { this.time = t; },
      tick() { rounds++; throw new Error('a round failed'); },
    };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const loop = new AutoProgress(ic as unknown as IcInstance, 0);
    try {
      loop.start();
      await vi.waitFor(() => expect(rounds).toBeGreaterThanOrEqual(3), { timeout: 2_000, interval: 50 });
      expect(logged).toHaveBeenCalledWith(expect.objectContaining({ message: 'a round failed' }));
    } finally {
      loop.stop();
      logged.mockRestore();
    }
  });
});
