// The points mall: what I can redeem now, redeeming with my points (physical goods with a shipping address), and
// my redemptions.
import { useState } from "react";
import { errorText } from "../../shared/api.ts";
import { money, num } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { Header } from "./Header.tsx";
import { lastAddress, MyRedemptions, useMyRedemptions } from "./MyRedemptions.tsx";
import { ShippingForm } from "./ShippingForm.tsx";

interface Reward {
  reward_id: string;
  code: string;
  name: string;
  kind: "coupon" | "physical" | "voucher";
  price_points: number;
  price_cash_minor: number;
  stock_left: number | null;
  redeemable: boolean;
  reason: string | null;
}

export function Mall() {
  const { t, lang } = useI18n();
  const { api } = useMember();
  const rewards = useLoad(() => api.get<{ items: Reward[] }>("/v1/me/mall/rewards"), []);
  const redemptions = useMyRedemptions();
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();
  // The physical reward whose shipping address is being filled in.
  const [shipping, setShipping] = useState<Reward>();
  const redeemed = (reward: Reward) => {
    setShipping(undefined);
    setNotice({ ok: true, text: t("m.redeemed", { name: reward.name }) });
    rewards.reload();
    redemptions.reload();
  };
  const redeem = async (reward: Reward) => {
    setNotice(undefined);
    if (reward.kind === "physical") {
      setShipping(reward);
      window.scrollTo(0, 0);
      return;
    }
    try {
      await api.post("/v1/me/mall/redemptions", { reward_code: reward.code, reference: crypto.randomUUID() });
      redeemed(reward);
    } catch (failure) {
      setNotice({ ok: false, text: errorText(failure) });
    }
  };
  const items = rewards.data?.items ?? [];
  if (shipping) {
    return (
      <>
        <Header title={t("nav.mall")} />
        {/* Waits for my redemptions, whose last address fills the form. */}
        {redemptions.items === undefined && redemptions.error === undefined ? (
          <p className="section muted">…</p>
        ) : (
          <ShippingForm
            key={shipping.reward_id}
            reward={shipping}
            previous={lastAddress(redemptions.items)}
            onRedeemed={() => redeemed(shipping)}
            onCancel={() => setShipping(undefined)}
          />
        )}
      </>
    );
  }
  return (
    <>
      <Header title={t("nav.mall")} />
      <div className="section">
        {notice && <p className={notice.ok ? "ok" : "error"}>{notice.text}</p>}
        {rewards.data && items.length === 0 && <p className="muted">{t("m.noRewards")}</p>}
        <ul className="list">
          {items.map((reward) => (
            <li key={reward.reward_id}>
              <div>
                <div>{reward.name}</div>
                <div className="muted">
                  {t("m.pricePoints", { points: num(reward.price_points, lang) })}
                  {reward.price_cash_minor > 0 && ` + ${money(reward.price_cash_minor, lang)}`}
                  {reward.stock_left !== null && ` · ${t("m.left", { n: reward.stock_left })}`}
                </div>
                {!reward.redeemable && reward.reason && (
                  <div className="muted">{reasonText(reward.reason, t)}</div>
                )}
              </div>
              <button className="small" disabled={!reward.redeemable} onClick={() => void redeem(reward)}>
                {t("m.redeem")}
              </button>
            </li>
          ))}
        </ul>
      </div>
      <MyRedemptions list={redemptions} />
    </>
  );
}

function reasonText(reason: string, t: ReturnType<typeof useI18n>["t"]): string {
  if (reason === "not_enough_points") return t("m.notEnoughPoints");
  if (reason === "out_of_stock") return t("m.outOfStock");
  return reason;
}
