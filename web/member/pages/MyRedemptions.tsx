// "My redemptions": what I redeemed, for how many points, when, and where each stands (ordered, shipped with its
// carrier and tracking number, delivered, cancelled), from /v1/me/mall/redemptions, newest first.
import { useCallback, useEffect, useState } from "react";
import { errorText, type Page } from "../../shared/api.ts";
import { date, num } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useMember } from "../context.ts";

export interface ShippingAddress {
  name: string;
  phone: string;
  region?: string;
  address_line: string;
  postal_code?: string;
}

export interface MyRedemption {
  redemption_id: string;
  reward_name: string;
  kind: "coupon" | "physical" | "voucher";
  points_spent: number;
  status: "fulfilled" | "pending_fulfilment" | "shipped" | "delivered" | "cancelled";
  voucher_code: string | null;
  shipping_address: ShippingAddress | null;
  tracking_no: string | null;
  carrier: string | null;
  created_at: string;
}

const PAGE_SIZE = 20;

/** My redemptions page by page; `reload` starts again from the newest (after a redemption). */
export function useMyRedemptions() {
  const { api } = useMember();
  const [items, setItems] = useState<MyRedemption[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const load = useCallback(
    (cursor: string | null) =>
      api.get<Page<MyRedemption>>("/v1/me/mall/redemptions", { limit: PAGE_SIZE, cursor }).then(
        (page) => {
          setItems((before) => (cursor ? [...(before ?? []), ...page.items] : page.items));
          setNext(page.next_cursor ?? null);
          setError(undefined);
        },
        (failure: unknown) => setError(errorText(failure)),
      ),
    [api],
  );
  useEffect(() => void load(null), [load]);
  return {
    items,
    error,
    hasMore: next !== null,
    more: () => void load(next),
    reload: () => void load(null),
  };
}

/** The address of my most recent physical redemption, to fill in the next one. */
export function lastAddress(items: readonly MyRedemption[] | undefined): ShippingAddress | undefined {
  return items?.find((r) => r.kind === "physical" && r.shipping_address)?.shipping_address ?? undefined;
}

export function MyRedemptions(props: { list: ReturnType<typeof useMyRedemptions> }) {
  const { t, lang } = useI18n();
  const { items, error, hasMore, more } = props.list;
  return (
    <div className="section" data-testid="my-redemptions">
      <h2>{t("m.rdm.title")}</h2>
      {error && <p className="error">{error}</p>}
      {items && items.length === 0 && <p className="muted">{t("m.rdm.none")}</p>}
      <ul className="list">
        {(items ?? []).map((r) => (
          <li key={r.redemption_id}>
            <div>
              <div>{r.reward_name}</div>
              <div className="muted">
                {date(r.created_at, lang)} · {t("m.rdm.points", { points: num(r.points_spent, lang) })}
              </div>
              {r.tracking_no && r.status !== "cancelled" && (
                <div className="muted">
                  {r.carrier
                    ? t("m.rdm.carrierTracking", { carrier: r.carrier, no: r.tracking_no })
                    : t("m.rdm.tracking", { no: r.tracking_no })}
                </div>
              )}
              {r.voucher_code && <div className="muted">{t("m.rdm.voucher", { code: r.voucher_code })}</div>}
            </div>
            <b className={r.status === "cancelled" ? "muted" : "plus"}>{t(`m.rdm.status.${r.status}`)}</b>
          </li>
        ))}
      </ul>
      {hasMore && (
        <button className="small" onClick={more}>
          {t("m.rdm.more")}
        </button>
      )}
    </div>
  );
}
