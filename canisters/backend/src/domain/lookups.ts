/**
 * How often callers who do not hold the token may make the backend ask the collection. The
 * holder's requests always ask (the answer is the owner gate); anyone else's request is refused
 * from the last known answer unless the bucket has a token. So a stranger cannot make the backend
 * start more than 10 + t / 10 s calls in time t, however many requests they send, while a buyer
 * whose purchase the collection has not yet announced (`lineage_holder_changed`) is normally
 * answered at once.
 */
import type { BucketRule } from '@lineage/kit';

export const LOOKUPS: BucketRule = { burst: 10, refillNanos: 10_000_000_000n };
