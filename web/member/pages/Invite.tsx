// Invite friends: my code, and a join link (and its QR code) that binds a friend who joins to me.
import { errorText } from "../../shared/api.ts";
import { QrCode } from "../../shared/Codes.tsx";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { Header } from "./Header.tsx";

interface Referral {
  code: string;
  scene_key: string;
  invited_by: string | null;
  invitees: number;
  rewarded_this_month: number;
  limit_per_month: number;
}

export function Invite() {
  const { t } = useI18n();
  const { api, session } = useMember();
  const referral = useLoad(() => api.get<Referral>("/v1/me/referral"), []);
  const data = referral.data;
  const link = data
    ? `${location.origin}/m/join?brand=${encodeURIComponent(session.tenant)}&scene=${encodeURIComponent(data.scene_key)}`
    : "";
  return (
    <>
      <Header title={t("m.invite")} />
      <div className="section" style={{ textAlign: "center" }}>
        {referral.error !== undefined && <p className="error">{errorText(referral.error)}</p>}
        {data && (
          <>
            <p className="muted">{t("m.inviteIntro")}</p>
            <QrCode value={link} size={200} label={t("m.inviteQr")} />
            <p>
              {t("m.inviteCode")}: <b data-testid="invite-code">{data.code}</b>
            </p>
            <input readOnly value={link} aria-label={t("m.inviteLink")} onFocus={(e) => e.target.select()} />
            <p className="muted">
              {t("m.invited", {
                n: data.invitees,
                rewarded: data.rewarded_this_month,
                limit: data.limit_per_month,
              })}
            </p>
          </>
        )}
      </div>
    </>
  );
}
