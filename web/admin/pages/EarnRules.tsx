// Earn rules: how orders turn into points and growth value.
import { Tag, Typography } from "antd";
import { dateTime } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { SimpleList } from "./SimpleList.tsx";

interface EarnRule {
  rule_id: string;
  name: string;
  definition: { kind: string } & Record<string, unknown>;
  active: boolean;
  starts_at: string | null;
  ends_at: string | null;
}

export default function EarnRules() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const rules = useLoad(() => api.get<{ items: EarnRule[] }>("/v1/earn-rules"), []);
  return (
    <SimpleList<EarnRule>
      title={t("nav.earnRules")}
      rowKey="rule_id"
      loaded={rules}
      columns={[
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tier.kind"), render: (_, r) => <Tag>{r.definition.kind}</Tag> },
        {
          title: t("rule.definition"),
          render: (_, r) => <Typography.Text code>{JSON.stringify(r.definition)}</Typography.Text>,
        },
        {
          title: t("coupon.status"),
          dataIndex: "active",
          render: (a: boolean) =>
            a ? <Tag color="green">{t("common.on")}</Tag> : <Tag>{t("common.off")}</Tag>,
        },
        {
          title: t("rule.window"),
          render: (_, r) => `${dateTime(r.starts_at, lang)} – ${dateTime(r.ends_at, lang)}`,
        },
      ]}
    />
  );
}
