/**
 * An object has one alarm, and several things that want it: a
 * conversation's catch-up recheck, the webhook outbox's next try, the
 * notification timers. Each asks for "at `at` or sooner"; the alarm is moved
 * only earlier, never later, so no request pushes out another. When it
 * rings, each owner looks at what is due and asks again for its next time.
 */
export class AlarmClock {
  /** The alarm as this instance last saw or set it: null none, undefined not read yet. */
  private set: number | null | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Makes sure the alarm rings at `at` or sooner. Never throws; resolves once it is set. */
  request(at: number): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        if (this.set === undefined) this.set = await this.storage.getAlarm();
        if (this.set !== null && this.set <= at) return;
        this.set = at;
        await this.storage.setAlarm(at);
      })
      .catch((error: unknown) => {
        this.set = undefined;
        console.error('[pin-messaging] alarm', error instanceof Error ? error.message : error);
      });
    return this.chain;
  }

  /** Called as the alarm handler starts: the alarm that rang is gone. */
  rang(): void {
    this.set = null;
  }

  /** After storage was wiped: read the alarm again before trusting what was seen. */
  forget(): void {
    this.set = undefined;
  }
}
