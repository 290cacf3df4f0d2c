/** A request's status as `read_state` shows it (IC spec § Request status). */
import { describe, expect, it } from 'vitest';

import { statusOf } from './api.js';

describe('request status', () => {
  it('is unknown until a round inducts the request, then received, processing, and replied or rejected', () => {
    expect(statusOf({ result: undefined, state: undefined })).toBeUndefined();
    expect(statusOf({ result: undefined, state: 'received' })).toEqual({ status: 'received' });
    expect(statusOf({ result: undefined, state: 'processing' })).toEqual({ status: 'processing' });
    const reply = new Uint8Array([1, 2]);
    expect(statusOf({ result: { Ok: reply }, state: 'processing' })).toEqual({ status: 'replied', reply });
    expect(statusOf({
      result: { Err: { reject_code: 5, reject_message: 'no', error_code: 'CanisterCalledTrap', certified: true } }, state: 'processing',
    })).toMatchObject({ status: 'rejected', rejectCode: 5, rejectMessage: 'no' });
  });
});
