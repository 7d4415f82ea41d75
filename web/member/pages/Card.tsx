// The membership card: number as QR code and barcode for the till, tier and progress, points at a glance.
import { Link } from "react-router";
import { errorText } from "../../shared/api.ts";
import { Barcode, QrCode } from "../../shared/Codes.tsx";
import { date, num } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { Member, MemberTier, PointsBalance } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { Header } from "./Header.tsx";

interface CardData {
  me: Member;
  points: PointsBalance;
  tier: MemberTier;
  coupons: { usable: number; expiring_within_7_days: number };
}

export function Card() {
  const { t, lang } = useI18n();
  const { api } = useMember();
  const card = useLoad<CardData>(async () => {
    const [me, points, tier, coupons] = await Promise.all([
      api.get<Member>("/v1/me"),
      api.get<PointsBalance>("/v1/me/points"),
      api.get<MemberTier>("/v1/me/tier"),
      api.get<CardData["coupons"]>("/v1/me/coupons/summary"),
    ]);
    return { me, points, tier, coupons };
  }, []);
  if (card.error !== undefined) return <p className="error">{errorText(card.error)}</p>;
  const data = card.data;
  if (!data) return <Header title={t("m.title")} />;
  const { me, points, tier } = data;
  const next = tier.distance_to_next;
  const option = next?.options[0];
  const expiring = points.next_expiry;
  return (
    <>
      <Header title={t("m.title")} />
      <div className="card">
        <span className="tier" data-testid="tier">
          {tier.tier.name}
        </span>
        <div style={{ marginTop: 6 }}>{me.name ?? t("m.member")}</div>
        <div className="number" data-testid="card-number">
          {me.card_no.replace(/(\d{4})(?=\d)/g, "$1 ")}
        </div>
        {next && option ? (
          <>
            <div className="progress" style={{ background: "rgb(255 255 255 / 0.25)" }}>
              <div style={{ width: `${Math.min(100, (option.current / option.threshold) * 100)}%` }} />
            </div>
            <div style={{ fontSize: 12 }}>
              {t("tier.toNext", {
                needed: num(next.needed, lang),
                metric: next.metric,
                tier: next.next_tier_name,
              })}
            </div>
          </>
        ) : (
          <div style={{ fontSize: 12 }}>{t("tier.top")}</div>
        )}
        <div className="codes">
          <QrCode value={me.card_no} size={150} label={t("m.qr")} />
          <Barcode value={me.card_no} label={t("m.barcode")} />
          <div className="muted">{t("m.showAtTill")}</div>
        </div>
      </div>
      <div className="section">
        <h2>
          {t("member.points")}{" "}
          <Link to="/points" style={{ float: "right", fontSize: 13 }}>
            {t("m.details")}
          </Link>
        </h2>
        <div className="stats">
          <div>
            <b data-testid="points-available">{num(points.available, lang)}</b>
            <span>{t("points.available")}</span>
          </div>
          <div>
            <b>{num(points.pending, lang)}</b>
            <span>{t("points.pending")}</span>
          </div>
          <div>
            <b>{num(expiring?.points ?? 0, lang)}</b>
            <span>
              {expiring ? t("m.expiresOn", { date: date(expiring.expires_at, lang) }) : t("m.expiring")}
            </span>
          </div>
        </div>
      </div>
      <div className="section actions">
        <Link to="/checkin">{t("m.checkin")}</Link>
        <Link to="/invite">{t("m.invite")}</Link>
      </div>
      <div className="section">
        <h2>
          {t("member.coupons")}{" "}
          <Link to="/coupons" style={{ float: "right", fontSize: 13 }}>
            {t("m.details")}
          </Link>
        </h2>
        <p className="muted" data-testid="coupon-summary">
          {t("m.couponSummary", {
            usable: data.coupons.usable,
            expiring: data.coupons.expiring_within_7_days,
          })}
        </p>
      </div>
    </>
  );
}
