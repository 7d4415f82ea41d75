/** Pure planning over a member's open lots: which lots a spend or a reversal draws from, and how much. */

export interface OpenLot {
  lot_id: string;
  remaining: number;
  earned_at: Date;
  expires_at: Date | null;
}

export interface LotTake {
  lot_id: string;
  amount: number;
}

/** First-expiring-first: lots that expire soonest go first, lots that never expire last, then oldest first. */
export function fefo<T extends OpenLot>(lots: T[]): T[] {
  return [...lots].sort((a, b) => {
    const ea = a.expires_at?.getTime() ?? Number.POSITIVE_INFINITY;
    const eb = b.expires_at?.getTime() ?? Number.POSITIVE_INFINITY;
    if (ea !== eb) return ea - eb;
    if (a.earned_at.getTime() !== b.earned_at.getTime()) return a.earned_at.getTime() - b.earned_at.getTime();
    return a.lot_id.localeCompare(b.lot_id);
  });
}

/** Takes `amount` from lots in the order given; what they cannot cover is the shortfall. */
export function planTake(lots: OpenLot[], amount: number): { takes: LotTake[]; shortfall: number } {
  if (!Number.isInteger(amount) || amount < 0) throw new Error(`invalid amount ${amount}`);
  const takes: LotTake[] = [];
  let left = amount;
  for (const lot of lots) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    if (take > 0) {
      takes.push({ lot_id: lot.lot_id, amount: take });
      left -= take;
    }
  }
  return { takes, shortfall: left };
}

/**
 * Points to reverse after a refund, so that the total reversed for an order is exactly proportional to what
 * was refunded, whatever the number of partial refunds (no rounding drift; a full refund reverses everything).
 */
export function proportionalReversal(
  earned: number,
  basisMinor: number,
  refundedTotalMinor: number,
  alreadyReversed: number,
): number {
  if (basisMinor <= 0 || earned <= 0) return 0;
  const target =
    refundedTotalMinor >= basisMinor ? earned : Math.floor((earned * refundedTotalMinor) / basisMinor);
  return Math.max(0, target - alreadyReversed);
}
