import { createHash } from "node:crypto";

/**
 * Order intake subjects. An order for brand T whose member key hashes to partition p is published on
 * `enclave.orders.T.p`; every partition has one durable consumer and exactly one worker reads it at a time, so
 * one member's orders are applied in the order they were published.
 */

export const INTAKE_STREAM = "ENCLAVE_ORDERS";
export const INTAKE_SUBJECTS = "enclave.orders.>";
export const DEAD_LETTER_STREAM = "ENCLAVE_ORDERS_DEAD";
export const DEAD_LETTER_PREFIX = "enclave.orders-dead";
export const DEFAULT_PARTITIONS = 16;

/** What identifies the member of an order message: the keys the REST API accepts. */
export interface MemberRef {
  member_id?: string;
  phone?: string;
  identity?: { kind: string; value: string };
}

/**
 * The key an order is partitioned by. Like any partitioned log, order is kept per key: a publisher names each
 * member the same way every time (by id, or by phone, or by identity) for their orders to stay in sequence.
 */
export function memberKey(member: MemberRef): string {
  if (member.member_id) return `id:${member.member_id}`;
  if (member.phone) return `phone:${member.phone.replace(/\D/g, "")}`;
  if (member.identity) return `identity:${member.identity.kind}:${member.identity.value}`;
  return "none";
}

export function partitionOf(key: string, partitions: number): number {
  return createHash("sha1").update(key).digest().readUInt32BE(0) % partitions;
}

export function intakeSubject(tenantId: string, partition: number): string {
  return `enclave.orders.${tenantId}.${partition}`;
}

/** The brand and partition a message was published to, or undefined for a subject outside the scheme. */
export function parseIntakeSubject(subject: string): { tenantId: string; partition: number } | undefined {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "enclave" || parts[1] !== "orders") return undefined;
  const partition = Number(parts[3]);
  if (!parts[2] || !Number.isInteger(partition) || partition < 0) return undefined;
  return { tenantId: parts[2], partition };
}

/** The partitions worker `index` of `workers` reads: a fixed, disjoint share, so no partition has two readers. */
export function partitionsOf(index: number, workers: number, partitions: number): number[] {
  if (!Number.isInteger(workers) || workers < 1) throw new Error("workers must be at least 1");
  if (!Number.isInteger(index) || index < 0 || index >= workers)
    throw new Error(`worker must be between 0 and ${workers - 1}`);
  return Array.from({ length: partitions }, (_, p) => p).filter((p) => p % workers === index);
}
