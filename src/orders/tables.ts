import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

export type OrderStatus = "paid" | "completed" | "cancelled" | "refunded" | "unmatched";

export interface OrdersTable {
  tenant_id: string;
  order_id: string;
  channel: string;
  external_id: string;
  member_id: string | null;
  customer_phone: string | null;
  store_id: string | null;
  guide_id: string | null;
  status: OrderStatus;
  currency: string;
  items_minor: number;
  discount_minor: Generated<number>;
  shipping_minor: Generated<number>;
  paid_minor: number;
  refunded_minor: Generated<number>;
  points_earned: Generated<number>;
  growth_earned: Generated<number>;
  earn_note: string | null;
  ordered_at: Timestamp;
  completes_at: Timestamp;
  completed_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface OrderLinesTable {
  tenant_id: string;
  order_id: string;
  line_no: number;
  sku: string;
  name: string | null;
  category: string | null;
  quantity: number;
  unit_price_minor: number;
  discount_minor: Generated<number>;
  refunded_quantity: Generated<number>;
}

export interface OrderRefundsTable {
  tenant_id: string;
  order_id: string;
  external_id: string;
  refund_id: string;
  amount_minor: number;
  lines: ColumnType<{ line_no: number; quantity: number }[], string | undefined, string>;
  points_reversed: Generated<number>;
  refunded_at: Timestamp;
  created_at: DefaultTimestamp;
}

export interface OrdersTables {
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  order_refunds: OrderRefundsTable;
  intake_offsets: IntakeOffsetsTable;
}

/** How far each intake partition has been applied (src/orders/intake). */
export interface IntakeOffsetsTable {
  stream: string;
  partition: number;
  last_seq: number;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
