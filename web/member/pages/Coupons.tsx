// The coupon wallet: usable first, each with its value, threshold and end date.
import { money } from "../../shared/format.ts";
import { date } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { errorText, type Page } from "../../shared/api.ts";
import type { Coupon } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { Header } from "./Header.tsx";

type WalletCoupon = Coupon & { conditions?: { min_spend_minor?: number } };

export function Coupons() {
  const { t, lang } = useI18n();
  const { api } = useMember();
  const coupons = useLoad(() => api.get<Page<WalletCoupon>>("/v1/me/coupons", { limit: 100 }), []);
  const items = [...(coupons.data?.items ?? [])].sort(
    (a, b) => Number(b.status === "available") - Number(a.status === "available"),
  );
  return (
    <>
      <Header title={t("member.coupons")} />
      <div className="section">
        {coupons.error !== undefined && <p className="error">{errorText(coupons.error)}</p>}
        {coupons.data && items.length === 0 && <p className="muted">{t("m.noCoupons")}</p>}
        {items.map((c) => (
          <div key={c.coupon_id} className={`coupon ${c.status === "available" ? "" : "used"}`}>
            <div className="value">
              {c.benefit.kind === "amount_off"
                ? money(c.benefit.amount_minor, lang).replace(/\.00$/, "")
                : c.benefit.kind === "percent_off"
                  ? `${100 - (c.benefit.percent ?? 0)}%`
                  : "🎁"}
              <small>
                {c.conditions?.min_spend_minor
                  ? t("m.minSpend", {
                      amount: money(c.conditions.min_spend_minor, lang).replace(/\.00$/, ""),
                    })
                  : t("m.noThreshold")}
              </small>
            </div>
            <div className="body">
              <div>{c.name}</div>
              <div className="muted">{t("m.validUntil", { date: date(c.valid_until, lang) })}</div>
              <div className="muted">
                {c.code} · {c.status}
              </div>
            </div>
          </div>
        ))}
      </div>
    </>
  );
}
