// The console's previous / next over an API list's cursors (web/shared/cursor-pages.ts).
import { Button, Space } from "antd";
import type { CursorPages } from "../../shared/cursor-pages.ts";
import { useI18n } from "../../shared/i18n.tsx";

export function CursorPager(props: {
  pages: CursorPages;
  next: string | null | undefined;
  style?: React.CSSProperties;
}) {
  const { t } = useI18n();
  const { pages, next } = props;
  return (
    <Space {...(props.style ? { style: props.style } : {})}>
      <Button disabled={pages.first} onClick={pages.back}>
        {t("common.previous")}
      </Button>
      <Button disabled={!next} onClick={() => next && pages.forward(next)}>
        {t("common.next")}
      </Button>
    </Space>
  );
}
