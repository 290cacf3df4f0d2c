import { describe, expect, it } from 'vitest';
import { Cbor } from '@dfinity/agent';
import { isV2ResponseBody, isV4ResponseBody } from '@icp-sdk/core/agent';

import { encodeCallRejection, encodeReadStateResponse, encodeStatusResponse, encodeSyncCallResponse } from './responses.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('response bodies', () => {
  it('status carries the root key and health, as agents read it', () => {
    const rootKey = Uint8Array.from([1, 2, 3]);
    const body = encodeStatusResponse({ rootKey });
    expect(hex(body.subarray(0, 3))).toBe('d9d9f7');
    const decoded = Cbor.decode<{ root_key: Uint8Array; replica_health_status: string }>(body);
    expect(hex(decoded.root_key)).toBe('010203');
    expect(decoded.replica_health_status).toBe('healthy');
  });

  it('read_state and sync call responses wrap the certificate', () => {
    const certificate = Uint8Array.from([9, 9]);
    expect(hex(Cbor.decode<{ certificate: Uint8Array }>(encodeReadStateResponse(certificate)).certificate)).toBe('0909');
    const sync = Cbor.decode<Record<string, unknown>>(encodeSyncCallResponse(certificate));
    expect(sync.status).toBe('replied');
    expect(isV4ResponseBody(sync as never)).toBe(true);
  });

  it('call rejections have the v2 and v3/v4 shapes', () => {
    const v2 = Cbor.decode<Record<string, unknown>>(encodeCallRejection({ reject_code: 4, reject_message: 'no', error_code: 'IC0406' }, 2));
    expect(v2).toEqual({ reject_code: 4, reject_message: 'no', error_code: 'IC0406' });
    expect(isV2ResponseBody(v2 as never)).toBe(true);
    const v4 = Cbor.decode<Record<string, unknown>>(encodeCallRejection({ reject_code: 4, reject_message: 'no' }, 4));
    expect(v4).toEqual({ status: 'non_replicated_rejection', reject_code: 4, reject_message: 'no' });
  });
});
