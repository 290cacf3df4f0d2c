import { describe, expect, it } from 'vitest';

import { runOrdered } from './ordered-pool.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runOrdered', () => {
  it('reports results in item order whatever order they finish in, with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const started: number[] = [];
    const reported: number[] = [];
    await runOrdered([0, 1, 2, 3, 4, 5], 3, async (item) => {
      started.push(item);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await delay([30, 5, 20, 1, 10, 2][item]!);
      inFlight--;
      return item * 10;
    }, (item, result) => {
      expect(result).toBe(item * 10);
      reported.push(item);
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reported).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxInFlight).toBe(3);
  });

  it('stops starting items after a failure, waits for those in flight, and throws the earliest failure', async () => {
    const started: number[] = [];
    const reported: number[] = [];
    let settled = 0;
    const run = runOrdered([0, 1, 2, 3, 4, 5, 6], 2, async (item) => {
      started.push(item);
      await delay(item === 3 ? 15 : 5);
      settled++;
      if (item === 2 || item === 3) throw new Error(`item ${item} failed`);
      return item;
    }, (item) => reported.push(item));
    await expect(run).rejects.toThrow('item 2 failed');
    expect(reported).toEqual([0, 1]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(settled).toBe(started.length); // nothing left running
  });

  it('passes on an error thrown by the report callback', async () => {
    await expect(runOrdered([0, 1], 1, async (i) => i, () => {
      throw new Error('callback');
    })).rejects.toThrow('callback');
  });

  it('does nothing for no items and refuses a concurrency below 1', async () => {
    await runOrdered([], 4, async () => 1);
    await expect(runOrdered([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });
});
