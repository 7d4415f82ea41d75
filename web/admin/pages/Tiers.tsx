// The tier ladder: qualification and benefits of each tier, lowest first.
import { Tag } from "antd";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { SimpleList } from "./SimpleList.tsx";

interface Tier {
  tier_id: string;
  code: string;
  name: string;
  rank: number;
  kind: string;
  qualification: { reach?: Record<string, number>; retain?: Record<string, number> };
  benefits: {
    points_multiplier: number;
    discount_percent: number;
    member_price: boolean;
    free_shipping: boolean;
  };
}

export default function Tiers() {
  const { t } = useI18n();
  const { api } = useConsole();
  const tiers = useLoad(() => api.get<{ items: Tier[] }>("/v1/tiers"), []);
  const pairs = (o: Record<string, number> | undefined) =>
    o
      ? Object.entries(o)
          .map(([k, v]) => `${k} ≥ ${v}`)
          .join(t("common.or"))
      : "—";
  return (
    <SimpleList<Tier>
      title={t("nav.tiers")}
      rowKey="tier_id"
      loaded={tiers}
      columns={[
        { title: t("tier.rank"), dataIndex: "rank" },
        { title: t("coupon.code"), dataIndex: "code" },
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tier.kind"), dataIndex: "kind", render: (k: string) => <Tag>{k}</Tag> },
        { title: t("tier.reach"), render: (_, tier) => pairs(tier.qualification.reach) },
        { title: t("tier.retain"), render: (_, tier) => pairs(tier.qualification.retain) },
        {
          title: t("tier.benefits"),
          render: (_, tier) => (
            <>
              <Tag>×{tier.benefits.points_multiplier}</Tag>
              {tier.benefits.discount_percent > 0 && <Tag>-{tier.benefits.discount_percent}%</Tag>}
              {tier.benefits.member_price && <Tag>{t("tier.memberPrice")}</Tag>}
              {tier.benefits.free_shipping && <Tag>{t("coupon.freeShipping")}</Tag>}
            </>
          ),
        },
      ]}
    />
  );
}
