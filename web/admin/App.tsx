import { App as AntApp, ConfigProvider, Spin } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { lazy, Suspense, useMemo, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { createApi } from "../shared/api.ts";
import { useI18n } from "../shared/i18n.tsx";
import { clearSession, loadSession, type StoredSession } from "../shared/session.ts";
import { Layout } from "./Layout.tsx";
import { Login } from "./pages/Login.tsx";
import { ConsoleContext } from "./session.tsx";

// Each screen is its own chunk: signing in downloads neither the charts nor the configuration forms.
const Dashboard = lazy(() => import("./pages/Dashboard.tsx"));
const Members = lazy(() => import("./pages/Members.tsx"));
const Member360 = lazy(() => import("./pages/Member360.tsx"));
const CouponTemplates = lazy(() => import("./pages/CouponTemplates.tsx"));
const Tiers = lazy(() => import("./pages/Tiers.tsx"));
const EarnRules = lazy(() => import("./pages/EarnRules.tsx"));
const Mall = lazy(() => import("./pages/Mall.tsx"));
const Tags = lazy(() => import("./pages/Tags.tsx"));
const Segments = lazy(() => import("./pages/Segments.tsx"));
const Staff = lazy(() => import("./pages/Staff.tsx"));
const OrgUnits = lazy(() => import("./pages/OrgUnits.tsx"));
const ChannelCodes = lazy(() => import("./pages/ChannelCodes.tsx"));
const CouponPacks = lazy(() => import("./pages/CouponPacks.tsx"));
const Campaigns = lazy(() => import("./pages/Campaigns.tsx"));
const MessageTemplates = lazy(() => import("./pages/MessageTemplates.tsx"));
const Tasks = lazy(() => import("./pages/Tasks.tsx"));
const TaskDetail = lazy(() => import("./pages/TaskDetail.tsx"));
const Settings = lazy(() => import("./pages/Settings.tsx"));

export function App() {
  const { lang } = useI18n();
  const [session, setSession] = useState<StoredSession | null>(() => loadSession("admin"));
  const signedIn = useMemo(() => {
    if (!session) return null;
    const signOut = () => {
      clearSession("admin");
      setSession(null);
    };
    return { session, signOut, api: createApi(() => session.token, signOut) };
  }, [session]);

  return (
    <ConfigProvider locale={lang === "zh-CN" ? zhCN : enUS} theme={{ token: { colorPrimary: "#0f766e" } }}>
      <AntApp>
        <BrowserRouter basename="/admin">
          {signedIn ? (
            <ConsoleContext.Provider value={signedIn}>
              <Layout>
                <Suspense fallback={<Spin style={{ margin: 48 }} />}>
                  <Routes>
                    <Route path="/" element={<Dashboard />} />
                    <Route path="/members" element={<Members />} />
                    <Route path="/members/:memberId" element={<Member360 />} />
                    <Route path="/coupons" element={<CouponTemplates />} />
                    <Route path="/coupon-packs" element={<CouponPacks />} />
                    <Route path="/campaigns" element={<Campaigns />} />
                    <Route path="/messages" element={<MessageTemplates />} />
                    <Route path="/tiers" element={<Tiers />} />
                    <Route path="/earn-rules" element={<EarnRules />} />
                    <Route path="/mall" element={<Mall />} />
                    <Route path="/tags" element={<Tags />} />
                    <Route path="/segments" element={<Segments />} />
                    <Route path="/staff" element={<Staff />} />
                    <Route path="/org" element={<OrgUnits />} />
                    <Route path="/channel-codes" element={<ChannelCodes />} />
                    <Route path="/tasks" element={<Tasks />} />
                    <Route path="/tasks/:taskId" element={<TaskDetail />} />
                    <Route path="/settings" element={<Settings />} />
                    <Route path="*" element={<Navigate to="/" replace />} />
                  </Routes>
                </Suspense>
              </Layout>
            </ConsoleContext.Provider>
          ) : (
            <Routes>
              <Route path="*" element={<Login onSignedIn={setSession} />} />
            </Routes>
          )}
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
