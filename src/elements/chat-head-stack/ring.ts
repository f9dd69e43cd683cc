/** How long the tab that rang keeps the claim, so a slower tab cannot take it after. */
const CLAIM_HOLD_MS = 3_000;
/** Without Web Locks (insecure pages): a random wait before claiming spreads the tabs out. */
const FALLBACK_JITTER_MS = 150;
const REMEMBERED = 200;

/**
 * Plays a short generated tone for a new message, once per message across all
 * of one person's tabs. Each message has a key (conversation and seq, the same
 * in every tab). The first tab to take a Web Lock named after the key rings and
 * tells the others over a BroadcastChannel; a tab that finds the lock taken,
 * or has already heard of the key, stays silent.
 */
export class Ringer {
  readonly #channel: BroadcastChannel | undefined;
  readonly #heard = new Set<string>();
  #audio: AudioContext | undefined;

  readonly #scope: string;

  constructor(scope: string) {
    this.#scope = scope;
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(`pin-messaging:ring:${scope}`);
    this.#channel.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data === 'string') this.#remember(event.data);
    };
  }

  /** Rings for `key` unless another tab of the same person has. Resolves once decided (true if this tab rang). */
  async ring(key: string): Promise<boolean> {
    if (this.#heard.has(key)) return false;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) {
      await sleep(Math.random() * FALLBACK_JITTER_MS);
      return this.#claim(key);
    }
    const name = `pin-messaging:ring:${this.#scope}:${key}`;
    return new Promise<boolean>((resolve) => {
      locks
        .request(name, { ifAvailable: true }, async (lock) => {
          if (!lock) return resolve(false);
          resolve(this.#claim(key));
          await sleep(CLAIM_HOLD_MS);
        })
        .catch(() => resolve(false));
    });
  }

  close(): void {
    this.#channel?.close();
    void this.#audio?.close().catch(() => undefined);
    this.#audio = undefined;
  }

  #claim(key: string): boolean {
    if (this.#heard.has(key)) return false;
    this.#remember(key);
    this.#channel?.postMessage(key);
    this.#play();
    return true;
  }

  #remember(key: string): void {
    this.#heard.add(key);
    if (this.#heard.size > REMEMBERED) this.#heard.delete(this.#heard.values().next().value!);
  }

  /** Two soft notes, about a quarter of a second. Browsers may keep it silent until the page has had a click. */
  #play(): void {
    if (typeof AudioContext === 'undefined') return;
    try {
      this.#audio ??= new AudioContext();
      const ctx = this.#audio;
      void ctx.resume().catch(() => undefined);
      const start = ctx.currentTime;
      [880, 1320].forEach((frequency, i) => {
        const at = start + i * 0.12;
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.12, at + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.14);
        osc.connect(gain).connect(ctx.destination);
        osc.start(at);
        osc.stop(at + 0.15);
      });
    } catch {
      // No audio device or a blocked context: a missing sound is not worth an error.
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
