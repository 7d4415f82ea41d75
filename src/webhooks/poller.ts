import type { Logger } from "pino";

/**
 * Runs a bounded unit of background work again and again: at once while it finds work, then every idle interval.
 * Like the event relay, it is started by `startBackground` and may run in any number of
 * processes: the work itself claims rows with leases, so two pollers never send the same row at once.
 */
export class Poller {
  readonly #name: string;
  readonly #step: () => Promise<number>;
  readonly #idleMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = true;

  constructor(name: string, step: () => Promise<number>, options: { idleMs: number; log: Logger }) {
    this.#name = name;
    this.#step = step;
    this.#idleMs = options.idleMs;
    this.#log = options.log;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#running) await new Promise((r) => setTimeout(r, 10));
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#running) return;
    this.#running = true;
    let handled = 0;
    try {
      handled = await this.#step();
    } catch (error) {
      this.#log.error({ err: error }, `${this.#name} failed; will retry`);
    } finally {
      this.#running = false;
    }
    if (!this.#stopped) this.#schedule(handled > 0 ? 0 : this.#idleMs);
  }
}
