import pino from "pino";
import { beforeAll } from "vitest";
import type { Platform } from "../../src/platform/context.ts";
import { EventRelay } from "../../src/platform/events.ts";
import type { Harness } from "./harness.ts";

/** A relay of its own with only the given capability's subscriptions, driven by hand: `relay().relayOnce()`. */
export function useRelay(h: () => Harness, register: (platform: Platform) => void): () => EventRelay {
  let relay: EventRelay | undefined;
  beforeAll(() => {
    const platform = h().enclave.platform;
    relay = new EventRelay(platform.database.db, pino({ level: "silent" }));
    register({ ...platform, events: relay });
  });
  return () => {
    if (!relay) throw new Error("relay not ready");
    return relay;
  };
}

export async function drainEvents(relay: EventRelay): Promise<void> {
  for (let i = 0; i < 100 && (await relay.relayOnce()) > 0; i++);
}
