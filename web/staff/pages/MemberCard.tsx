// One of my members: card, tier, points, coupons, issuing a coupon the brand lets staff give, logging a contact.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { type Page, errorText } from "../../shared/api.ts";
import { QrCode } from "../../shared/Codes.tsx";
import { date, num } from "../../shared/format.ts";
import { LangToggle, useI18n } from "../../shared/i18n.tsx";
import type { Coupon, CouponTemplate, Member, MemberTier, PointsBalance } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useStaff } from "../context.ts";
import { LogContact } from "./LogContact.tsx";

export function MemberCard() {
  const { memberId = "" } = useParams();
  const { t, lang } = useI18n();
  const { api } = useStaff();
  const base = `/v1/members/${encodeURIComponent(memberId)}`;
  const card = useLoad(async () => {
    const [member, points, tier] = await Promise.all([
      api.get<Member>(base),
      api.get<PointsBalance>(`${base}/points`),
      api.get<MemberTier>(`${base}/tier`),
    ]);
    return { member, points, tier };
  }, [memberId]);
  const coupons = useLoad(() => api.get<Page<Coupon>>(`${base}/coupons`, { limit: 50 }), [memberId]);
  const templates = useLoad(
    () => api.get<{ items: (CouponTemplate & { active?: boolean })[] }>("/v1/coupon-templates"),
    [],
  );
  const issuable = (templates.data?.items ?? []).filter((tpl) => tpl.staff_issuable && tpl.active !== false);
  const [chosen, setChosen] = useState("");
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();

  const issue = async () => {
    setNotice(undefined);
    try {
      const result = await api.post<{ issued: number; skipped: { reason?: string }[] }>(`${base}/coupons`, {
        template_code: chosen,
      });
      setNotice(
        result.issued > 0
          ? { ok: true, text: t("action.issued") }
          : { ok: false, text: t("action.notIssued", { reason: result.skipped[0]?.reason ?? "" }) },
      );
      coupons.reload();
    } catch (failure) {
      setNotice({ ok: false, text: errorText(failure) });
    }
  };

  const data = card.data;
  return (
    <>
      <div className="bar">
        <Link to="/">‹ {t("s.myMembers")}</Link>
        <LangToggle />
      </div>
      {card.error !== undefined && <p className="error section">{errorText(card.error)}</p>}
      {data && (
        <div className="card">
          <span className="tier">{data.tier.tier.name}</span>
          <div style={{ marginTop: 6 }} data-testid="member-name">
            {data.member.name ?? t("m.member")}
          </div>
          <div className="number">{data.member.card_no}</div>
          <div style={{ fontSize: 13 }}>
            {data.member.phone ?? ""} · {t("member.joinedAt")} {date(data.member.joined_at, lang)}
          </div>
          <div className="codes">
            <QrCode value={data.member.card_no} size={120} />
          </div>
        </div>
      )}
      {data && (
        <div className="section">
          <div className="stats">
            <div>
              <b data-testid="points-available">{num(data.points.available, lang)}</b>
              <span>{t("points.available")}</span>
            </div>
            <div>
              <b>{num(data.points.pending, lang)}</b>
              <span>{t("points.pending")}</span>
            </div>
            <div>
              <b>{num(data.points.growth, lang)}</b>
              <span>{t("points.growth")}</span>
            </div>
          </div>
        </div>
      )}
      <div className="section">
        <h2>{t("action.issueCoupon")}</h2>
        <select aria-label={t("coupon.template")} value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">{t("s.chooseCoupon")}</option>
          {issuable.map((tpl) => (
            <option key={tpl.template_id} value={tpl.code}>
              {tpl.name}
            </option>
          ))}
        </select>
        <button className="primary" disabled={!chosen} onClick={() => void issue()}>
          {t("s.issue")}
        </button>
        {notice && <p className={notice.ok ? "ok" : "error"}>{notice.text}</p>}
      </div>
      <LogContact memberId={memberId} />
      <div className="section">
        <h2>{t("member.coupons")}</h2>
        {coupons.data && coupons.data.items.length === 0 && <p className="muted">{t("m.noCoupons")}</p>}
        <ul className="list" data-testid="member-coupons">
          {(coupons.data?.items ?? []).map((c) => (
            <li key={c.coupon_id}>
              <span>{c.name}</span>
              <span className="muted">
                {c.status} · {date(c.valid_until, lang)}
              </span>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
