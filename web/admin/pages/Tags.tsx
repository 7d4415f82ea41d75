// Tags and how many members hold each.
import { Tag as AntTag } from "antd";
import { useI18n } from "../../shared/i18n.tsx";
import type { Tag } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { SimpleList } from "./SimpleList.tsx";

export default function Tags() {
  const { t } = useI18n();
  const { api } = useConsole();
  const tags = useLoad(() => api.get<{ items: Tag[] }>("/v1/audience/tags"), []);
  return (
    <SimpleList<Tag>
      title={t("nav.tags")}
      rowKey="tag_id"
      loaded={tags}
      columns={[
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tier.kind"), dataIndex: "kind", render: (k: string) => <AntTag>{k}</AntTag> },
        { title: t("nav.members"), dataIndex: "members" },
      ]}
    />
  );
}
