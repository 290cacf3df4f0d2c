import { describe, expect, it } from 'vitest';

import { cyclesToUsd, summarizeCosts } from './cost-report.js';
import { costTableRow } from './cost-table.js';
import type { ExecutionRecord } from './stats.js';

const rec = (canister: string, kind: string, instructions: bigint, method = `m${kind}`): ExecutionRecord => ({ canister, kind, method, instructions, trapped: false });

describe('summarizeCosts', () => {
  it('counts an upgrade (pre-upgrade, start, post-upgrade) as one message under the install limit', () => {
    const s = summarizeCosts([
      rec('a', 'G', 1_000_000_000n, 'canister_pre_upgrade'), rec('a', 's', 500_000_000n, 'start'), rec('a', 'I', 1_500_000_000n, 'canister_post_upgrade'),
      rec('b', 's', 10n, 'start'), rec('b', 'I', 20n, 'canister_init'),
    ]);
    expect(s.executions).toBe(2);
    expect(s.heaviest).toBe(3_000_000_000n);
    expect(s.heaviestMethod).toBe('canister_post_upgrade');
    expect(s.limit).toBe(300_000_000_000n);
    expect(s.percentOfLimit).toBeCloseTo(1, 6);
    // One base fee per message: 5 M + 0.4 per instruction.
    expect(s.cycles).toBe(5_000_000n + 1_200_000_000n + 5_000_000n + 12n);
  });

  it('names the heaviest message and, apart, the one closest to its limit; queries are free', () => {
    const s = summarizeCosts([rec('a', 'F', 100_000_000n), rec('a', 'U', 800_000_000n), rec('a', 'NRQ', 2_000_000_000n), rec('b', 'U', 39_000_000_000n)], 'a');
    expect(s.executions).toBe(3);
    expect(s.heaviest).toBe(2_000_000_000n);
    expect(s.heaviestKind).toBe('NRQ');
    expect(s.percentOfLimit).toBeCloseTo(40, 6);
    expect(s.closest.kind).toBe('F');
    expect(s.closest.percentOfLimit).toBeCloseTo(50, 6);
    expect(s.total).toBe(2_900_000_000n);
    expect(s.cycles).toBe(5_000_000n + 320_000_000n);
  });

  it('prices cycles at 1 XDR = 10^12 cycles', () => {
    expect(cyclesToUsd(2_000_000_000_000n, 1.36)).toBeCloseTo(2.72, 10);
  });
});

describe('costTableRow', () => {
  it('marks a row whose message passes 25% of its limit, and only such a row', () => {
    const over = costTableRow({ operation: 'big', summary: summarizeCosts([rec('a', 'U', 13_987_500_000n, 'canister_update commit_batch')]), names: { a: 'asset' } });
    expect(over).toBe('| ⚠ big | 13.99 B (update, asset commit_batch) | **35.0% of 40 B** | 13.99 B | 1 | 5.60 B | $0.0076 |');
    const under = costTableRow({ operation: 'small', summary: summarizeCosts([rec('a', 'U', 8_000_000_000n)]) });
    expect(under.startsWith('| small |')).toBe(true);
    expect(under).not.toContain('⚠');
  });
});
