import { Button, Layout as AntLayout, Menu, Segmented, Space, Typography } from "antd";
import type { ReactNode } from "react";
import { useLocation, useNavigate } from "react-router";
import { type Lang, useI18n } from "../shared/i18n.tsx";
import { useConsole } from "./session.tsx";

export function Layout(props: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { session, signOut } = useConsole();
  const navigate = useNavigate();
  const location = useLocation();
  const selected = "/" + (location.pathname.split("/")[1] ?? "");
  const items = [
    { key: "/", label: t("nav.dashboard") },
    { key: "/members", label: t("nav.members") },
    { key: "/segments", label: t("nav.segments") },
    { key: "/tags", label: t("nav.tags") },
    { key: "/coupons", label: t("nav.coupons") },
    { key: "/coupon-packs", label: t("nav.packs") },
    { key: "/mall", label: t("nav.mall") },
    { key: "/campaigns", label: t("nav.campaigns") },
    { key: "/messages", label: t("nav.messages") },
    { key: "/tiers", label: t("nav.tiers") },
    { key: "/earn-rules", label: t("nav.earnRules") },
    { key: "/channel-codes", label: t("nav.codes") },
    { key: "/org", label: t("nav.org") },
    { key: "/staff", label: t("nav.staff") },
    { key: "/tasks", label: t("nav.tasks") },
    { key: "/settings", label: t("nav.settings") },
  ];
  return (
    <AntLayout style={{ minHeight: "100vh" }}>
      <AntLayout.Sider width={208} theme="light" style={{ borderRight: "1px solid #f0f0f0" }}>
        <div style={{ padding: "18px 24px", fontWeight: 700, fontSize: 18, color: "#0f766e" }}>Enclave</div>
        <Menu mode="inline" selectedKeys={[selected]} items={items} onClick={(e) => void navigate(e.key)} />
      </AntLayout.Sider>
      <AntLayout>
        <AntLayout.Header
          style={{
            background: "#fff",
            borderBottom: "1px solid #f0f0f0",
            display: "flex",
            justifyContent: "flex-end",
            alignItems: "center",
            paddingInline: 24,
          }}
        >
          <Space size="middle">
            <Segmented<Lang>
              size="small"
              value={lang}
              onChange={setLang}
              options={[
                { label: "中文", value: "zh-CN" },
                { label: "EN", value: "en" },
              ]}
            />
            <Typography.Text type="secondary">
              {session.name} · {session.tenant}
            </Typography.Text>
            <Button size="small" onClick={signOut}>
              {t("auth.signOut")}
            </Button>
          </Space>
        </AntLayout.Header>
        <AntLayout.Content style={{ padding: 24 }}>{props.children}</AntLayout.Content>
      </AntLayout>
    </AntLayout>
  );
}
