import type { JsMsg } from "@nats-io/jetstream";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import type { Static } from "typebox";
import { OrderBody } from "../schemas.ts";
import { parseIntakeSubject } from "./partitions.ts";

/** An order message is the REST API's order body, published on its brand's partition subject. */

const ajv = new Ajv({ allErrors: true, strict: false, removeAdditional: false });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);
const validOrder = ajv.compile<Static<typeof OrderBody>>(OrderBody);

export interface IntakeMessage {
  message: JsMsg;
  tenantId: string;
  order: Static<typeof OrderBody>;
}

export interface UnusableMessage {
  message: JsMsg;
  tenantId: string;
  reason: string;
}

export function parseIntakeMessage(message: JsMsg): IntakeMessage | UnusableMessage {
  const subject = parseIntakeSubject(message.subject);
  if (!subject)
    return {
      message,
      tenantId: "unknown",
      reason: `subject ${message.subject} is not enclave.orders.<tenant>.<n>`,
    };
  let body: unknown;
  try {
    body = message.json();
  } catch {
    return { message, tenantId: subject.tenantId, reason: "not JSON" };
  }
  if (!validOrder(body)) {
    const errors = (validOrder.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
    return { message, tenantId: subject.tenantId, reason: `not an order: ${errors.join("; ")}` };
  }
  return { message, tenantId: subject.tenantId, order: body };
}
