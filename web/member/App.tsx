import { useMemo, useState } from "react";
import { BrowserRouter, Navigate, NavLink, Route, Routes } from "react-router";
import { createApi } from "../shared/api.ts";
import { useI18n } from "../shared/i18n.tsx";
import { clearSession, loadSession, type StoredSession } from "../shared/session.ts";
import { MemberContext } from "./context.ts";
import { Card } from "./pages/Card.tsx";
import { Checkin } from "./pages/Checkin.tsx";
import { Coupons } from "./pages/Coupons.tsx";
import { Invite } from "./pages/Invite.tsx";
import { Join } from "./pages/Join.tsx";
import { Mall } from "./pages/Mall.tsx";
import { PointsHistory } from "./pages/PointsHistory.tsx";
import { Profile } from "./pages/Profile.tsx";

export function App() {
  const [session, setSession] = useState<StoredSession | null>(() => loadSession("member"));
  const center = useMemo(() => {
    if (!session) return null;
    const signOut = () => {
      clearSession("member");
      setSession(null);
    };
    return { session, signOut, api: createApi(() => session.token, signOut) };
  }, [session]);
  return (
    <BrowserRouter basename="/m">
      {center ? (
        <MemberContext.Provider value={center}>
          <Routes>
            <Route path="/" element={<Card />} />
            <Route path="/coupons" element={<Coupons />} />
            <Route path="/points" element={<PointsHistory />} />
            <Route path="/mall" element={<Mall />} />
            <Route path="/profile" element={<Profile />} />
            <Route path="/checkin" element={<Checkin />} />
            <Route path="/invite" element={<Invite />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
          <Tabs />
        </MemberContext.Provider>
      ) : (
        <Routes>
          <Route path="*" element={<Join onJoined={setSession} />} />
        </Routes>
      )}
    </BrowserRouter>
  );
}

function Tabs() {
  const { t } = useI18n();
  const tab = (to: string, label: string) => (
    <NavLink to={to} end className={({ isActive }) => (isActive ? "active" : "")}>
      {label}
    </NavLink>
  );
  return (
    <div className="tabs">
      <nav>
        {tab("/", t("m.tab.card"))}
        {tab("/coupons", t("m.tab.coupons"))}
        {tab("/mall", t("m.tab.mall"))}
        {tab("/profile", t("m.tab.me"))}
      </nav>
    </div>
  );
}
