/** Running a few calls at once while reporting their results in a fixed order. */

/**
 * Runs `work` for every item with at most `concurrency` calls in flight, starting them in the
 * order of `items`, and calls `done` for each result in that same order (a result is reported once
 * every earlier item has finished), so progress is deterministic whatever order replies arrive in.
 * After the first failure no further item is started; the calls in flight are awaited, and the
 * failure of the earliest failed item is thrown.
 *
 * @example
 * await runOrdered([0, 1, 2], 2, (id) => upload(id), (id, reply) => console.log(id, reply));
 */
export async function runOrdered<I, R>(
  items: readonly I[],
  concurrency: number,
  work: (item: I, index: number) => Promise<R>,
  done: (item: I, result: R, index: number) => void = () => {},
): Promise<void> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const settled: ({ ok: true; value: R } | { ok: false; error: unknown } | undefined)[] = new Array(items.length);
  let next = 0;
  let reported = 0;
  let failed = false;
  let callbackError: { error: unknown } | undefined;

  const flush = () => {
    while (!callbackError && reported < items.length) {
      const r = settled[reported];
      if (!r || !r.ok) return;
      settled[reported] = undefined; // let the result go
      try {
        done(items[reported]!, r.value, reported);
      } catch (error) {
        callbackError = { error };
        failed = true;
        return;
      }
      reported++;
    }
  };

  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        settled[index] = { ok: true, value: await work(items[index]!, index) };
      } catch (error) {
        settled[index] = { ok: false, error };
        failed = true;
      }
      flush();
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  const failure = settled.find((r) => r !== undefined && !r.ok);
  if (failure && !failure.ok) throw failure.error;
  if (callbackError) throw callbackError.error;
}
