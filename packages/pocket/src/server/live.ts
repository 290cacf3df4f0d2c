/**
 * Auto-progress ("live mode", ../../shared/pocketic-rest.md §5.11): rounds run on their own and the
 * instance's time follows the wall clock, as under `dfx start`. On start the certified time is set
 * to now; then, every `max(delay, 100 ms)`, time advances by the real time elapsed and a round runs.
 */
import type { IcInstance } from '../instance.js';

const MIN_INTERVAL_MS = 100;

export class AutoProgress {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(private readonly ic: IcInstance, private readonly delayMs: number) {}

  start(): void {
    const now = BigInt(Date.now()) * 1_000_000n;
    if (now > this.ic.time) this.ic.setCertifiedTime(now);
    this.last = Date.now();
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.step(), Math.max(this.delayMs, MIN_INTERVAL_MS));
  }

  private step(): void {
    if (!this.timer) return;
    const now = Date.now();
    const elapsed = BigInt(now - this.last) * 1_000_000n;
    this.last = now;
    try {
      if (elapsed > 0n) this.ic.setTime(this.ic.time + elapsed);
      this.ic.tick();
    } catch (error) {
      // A failing round is an emulator bug; thrown from a timer it would end the process, and
      // with it every instance and gateway. Log it and keep the clock going.
      console.error(error);
    }
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
