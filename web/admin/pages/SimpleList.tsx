// A configuration list: a title, a table of what the API holds, and room for a create action.
import { Alert, Card, Space, Table, Typography } from "antd";
import { errorText } from "../../shared/api.ts";
import type { ColumnsType } from "antd/es/table";
import type { ReactNode } from "react";
import type { Loaded } from "../../shared/useLoad.ts";

export function SimpleList<T extends object>(props: {
  title: string;
  rowKey: keyof T & string;
  loaded: Loaded<{ items: T[] }>;
  columns: ColumnsType<T>;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <div style={{ display: "flex", justifyContent: "space-between" }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {props.title}
        </Typography.Title>
        <Space>{props.actions}</Space>
      </div>
      {props.loaded.error !== undefined && <Alert type="error" title={errorText(props.loaded.error)} />}
      {props.children}
      <Card size="small">
        <Table<T>
          rowKey={props.rowKey}
          loading={props.loaded.loading}
          dataSource={props.loaded.data?.items ?? []}
          pagination={{ pageSize: 20 }}
          columns={props.columns}
        />
      </Card>
    </Space>
  );
}
