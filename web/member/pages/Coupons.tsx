// The coupon wallet: usable first, then the used, withdrawn and expired ones, each with its value, threshold
// and end date. Tapping a coupon opens it in a sheet (CouponSheet.tsx) with, while usable, its code as a QR code
// and a barcode for the till; the open coupon is in the address (`?coupon=`), so the phone's back button closes
// the sheet and a reload keeps it open.
import { useCallback } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import { errorText, type Page } from "../../shared/api.ts";
import { date, money } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { CouponSheet, statusKey, usableNow, type WalletCoupon } from "./CouponSheet.tsx";
import { Header } from "./Header.tsx";

export function Coupons() {
  const { t, lang } = useI18n();
  const { api } = useMember();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  // The API's wallet lists usable coupons unless asked; the newest 100 of all states give the used, withdrawn and
  // expired ones below them.
  const coupons = useLoad(async () => {
    const [usable, all] = await Promise.all([
      api.get<Page<WalletCoupon>>("/v1/me/coupons", { limit: 100 }),
      api.get<Page<WalletCoupon>>("/v1/me/coupons", { status: "all", limit: 100 }),
    ]);
    const ids = new Set(usable.items.map((c) => c.coupon_id));
    return [...usable.items, ...all.items.filter((c) => !ids.has(c.coupon_id))];
  }, []);
  const items = coupons.data ?? [];
  const open = items.find((c) => c.coupon_id === params.get("coupon"));
  const opened = (location.state as { sheet?: boolean } | null)?.sheet === true;
  const close = useCallback(() => {
    // Opened here: going back leaves the wallet as it was; opened from a link: drop the parameter.
    if (opened) void navigate(-1);
    else setParams({}, { replace: true });
  }, [opened, navigate, setParams]);
  return (
    <>
      <Header title={t("member.coupons")} />
      <div className="section">
        {coupons.error !== undefined && <p className="error">{errorText(coupons.error)}</p>}
        {coupons.data && items.length === 0 && <p className="muted">{t("m.noCoupons")}</p>}
        {items.map((c) => (
          <button
            type="button"
            key={c.coupon_id}
            className={`coupon ${c.status === "available" ? "" : "used"}`}
            onClick={() => setParams({ coupon: c.coupon_id }, { state: { sheet: true } })}
          >
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
              <div className="foot">
                <span className="muted">
                  {c.code} · {t(statusKey(c))}
                </span>
                {usableNow(c) && <span className="use">{t("m.cpn.use")}</span>}
              </div>
            </div>
          </button>
        ))}
      </div>
      {open && <CouponSheet coupon={open} onClose={close} />}
    </>
  );
}
