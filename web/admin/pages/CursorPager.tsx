// Previous / next over an API list's cursors: the cursors walked so far are kept, so "previous" needs no cursor
// from the API.
import { Button, Space } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";

export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    first: cursors.length === 1,
    /** Back to the first page (the filter changed). */
    reset: () => setCursors([undefined]),
    back: () => setCursors(cursors.slice(0, -1)),
    forward: (next: string) => setCursors([...cursors, next]),
  };
}

export function CursorPager(props: {
  pages: ReturnType<typeof useCursorPages>;
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
