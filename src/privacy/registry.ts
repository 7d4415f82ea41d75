import type { Executor } from "../platform/db/database.ts";

/**
 * The extension point of personal data: each capability that holds data about a member registers how to export it
 * and how to erase it. The data export gathers every registered section; the erasure runs every registered eraser
 * in the erasure's transaction, before the member record itself is anonymised.
 */

/** What an exporter or eraser may need besides the member id. */
export interface PersonalDataContext {
  now: Date;
  /** Erasure only: what the member record held, to find copies of it (a phone on an order, a card in an event). */
  former?: { phones: string[]; emails: string[]; card_nos: string[]; identity_values: string[] };
}

export interface PersonalDataHandler {
  /** The section's name in the export document, e.g. "orders". */
  name: string;
  /** Everything this capability holds about the member, as plain JSON-able data. */
  export(tx: Executor, tenantId: string, memberId: string, context: PersonalDataContext): Promise<unknown>;
  /**
   * Removes or replaces the member's personal data (phone, email, names, addresses, free text) while keeping
   * what accounting and counts need (amounts, ids, times). Must be idempotent; must never delete ledger entries.
   */
  erase(tx: Executor, tenantId: string, memberId: string, context: PersonalDataContext): Promise<void>;
}

const handlers = new Map<string, PersonalDataHandler>();

/** Registers (or replaces, by name) a capability's personal data handler. Safe to call more than once. */
export function registerPersonalData(handler: PersonalDataHandler): void {
  handlers.set(handler.name, handler);
}

/** Every registered handler, in registration order. */
export function personalDataHandlers(): PersonalDataHandler[] {
  return [...handlers.values()];
}
