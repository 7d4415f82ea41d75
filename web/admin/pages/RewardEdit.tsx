// Editing a mall reward: name, points price, stock (added to what is left, or made unlimited) and on / off.
// Code and kind stay (PATCH /v1/mall/rewards/{id} changes neither); the API's problems appear under the field.
import { Col, Form, Input, InputNumber, Row, Switch, Typography } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";

export interface Reward {
  reward_id: string;
  code: string;
  name: string;
  kind: string;
  price_points: number;
  stock_left: number | null;
  active: boolean;
}
interface RewardEditForm {
  name: string;
  price_points: number;
  add_stock?: number | null;
  unlimited_stock: boolean;
  active: boolean;
}

export function useRewardEdit(reload: () => void) {
  const { t } = useI18n();
  const { api } = useConsole();
  const [reward, setReward] = useState<Reward>();
  const state = useApiForm<RewardEditForm>({
    send: (v) =>
      api.patch(`/v1/mall/rewards/${reward?.reward_id ?? ""}`, {
        name: v.name,
        price_points: v.price_points,
        active: v.active,
        // Stock moves by a delta, so a stale page cannot overwrite what was redeemed meanwhile.
        ...(v.add_stock ? { add_stock: v.add_stock } : {}),
        ...(v.unlimited_stock && reward?.stock_left !== null ? { unlimited_stock: true } : {}),
      }),
    fields: ["name", "price_points", "add_stock", "unlimited_stock", "active"],
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload }),
  });
  const unlimited = Form.useWatch("unlimited_stock", state.form);
  const open = (r: Reward) => {
    setReward(r);
    state.show({
      name: r.name,
      price_points: r.price_points,
      unlimited_stock: r.stock_left === null,
      active: r.active,
    });
  };
  const drawer = (
    <FormDrawer<RewardEditForm>
      state={state}
      title={t("mall.editReward", { name: reward?.name ?? "" })}
      submitLabel={t("common.save")}
    >
      <Typography.Paragraph type="secondary">
        {reward?.code} · {t("mall.codeKindStay")}
      </Typography.Paragraph>
      <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 100 }]}>
        <Input />
      </Form.Item>
      <Form.Item name="price_points" label={t("mall.price")} rules={[{ required: true }]}>
        <InputNumber min={1} max={1_000_000_000} precision={0} style={{ width: "100%" }} />
      </Form.Item>
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item
            name="add_stock"
            label={t("mall.addStock")}
            extra={`${t("mall.stock")}: ${reward?.stock_left ?? "∞"} · ${t("mall.addStockHelp")}`}
            // Switching an unlimited reward to a limited one needs the stock it starts with.
            rules={[
              {
                required: reward?.stock_left === null && unlimited === false,
                message: t("mall.stockNeeded"),
              },
            ]}
          >
            <InputNumber precision={0} disabled={unlimited === true} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="unlimited_stock" label={t("mall.unlimited")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="active" label={t("mall.active")} valuePropName="checked">
        <Switch />
      </Form.Item>
    </FormDrawer>
  );
  return { open, drawer };
}
