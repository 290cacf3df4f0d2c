import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { managerTypes, type Operation } from '@lineage/types';
import { describe, expect, it } from 'vitest';

import { operationProgress } from './owner.js';

const op = (state: Operation['state']): Operation => ({
  id: 4n, canister: Principal.anonymous(), requested_by: Principal.anonymous(), requested_at: 0n, steps: [], state, entries: [],
});

describe('operationProgress', () => {
  it('carries the phase of the running step', () => {
    expect(operationProgress(op({ Running: { step: 0, phase: ['installing'] } }))).toEqual({ state: 'running', operation: 4n, step: 0, steps: 0, phase: 'installing' });
    for (const phase of ['snapshot', 'fetching', 'installing', 'starting', 'health', 'rollback']) {
      expect(operationProgress(op({ Running: { step: 1, phase: [phase] } }))).toMatchObject({ phase });
    }
  });

  it('has no phase from a manager that sends none, or names one this sdk does not know', () => {
    expect(operationProgress(op({ Running: { step: 0, phase: [] } }))).toEqual({ state: 'running', operation: 4n, step: 0, steps: 0 });
    expect(operationProgress(op({ Running: { step: 0, phase: ['defragmenting'] } }))).not.toHaveProperty('phase');
    // A manager built before phases: its Running record has no `phase` field at all.
    expect(operationProgress(op({ Running: { step: 2 } } as never))).toEqual({ state: 'running', operation: 4n, step: 2, steps: 0 });
  });

  it('decodes across versions: an old manager\'s Running for a new client, a new one for an old client', () => {
    const State = managerTypes(IDL as never).OperationState as unknown as IDL.Type;
    const OldState = IDL.Variant({
      Scheduled: IDL.Null, Running: IDL.Record({ step: IDL.Nat32 }), Completed: IDL.Null,
      Failed: IDL.Record({ step: IDL.Nat32, error: IDL.Text, kind: IDL.Reserved }),
    });
    const fromOld = IDL.decode([State], IDL.encode([OldState], [{ Running: { step: 3 } }]))[0];
    expect(fromOld).toEqual({ Running: { step: 3, phase: [] } });
    const fromNew = IDL.decode([OldState], IDL.encode([State], [{ Running: { step: 3, phase: ['health'] } }]))[0];
    expect(fromNew).toEqual({ Running: { step: 3 } });
  });
});
