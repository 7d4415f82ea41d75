import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { refusedAddress, refusedUrl } from "./addresses.ts";

/**
 * Outgoing HTTP for webhooks and message senders, behind the SSRF guard. The address is checked in the socket's
 * own DNS lookup, so the address checked is the address connected to (no DNS-rebinding gap between a check and
 * the request). Redirects are never followed.
 */

export class RefusedTarget extends Error {}

const RESPONSE_BODY_LIMIT_BYTES = 4_096;

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      for (const entry of addresses) {
        const refused = refusedAddress(entry.address, allowPrivate);
        if (refused) return callback(new RefusedTarget(`${hostname}: ${refused}`), "", 0);
      }
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), "", 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves a host name and refuses it when any of its addresses is out of bounds (for clients we cannot hook). */
export async function resolveAllowedHost(hostname: string, allowPrivate: boolean): Promise<string> {
  if (isIP(hostname)) {
    const refused = refusedAddress(hostname, allowPrivate);
    if (refused) throw new RefusedTarget(refused);
    return hostname;
  }
  return new Promise((resolve, reject) => {
    guardedLookup(allowPrivate)(hostname, { all: false }, (error, address) => {
      if (error) reject(error);
      else if (typeof address === "string") resolve(address);
      else reject(new Error(`${hostname} has no single address`));
    });
  });
}

export interface PostResult {
  statusCode: number;
  /** The start of the response body, for the delivery log and provider ids. */
  body: string;
}

/** POSTs a JSON body; resolves with the answer (any status), rejects on a refused target, network error or timeout. */
export async function postJson(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostResult> {
  const refused = refusedUrl(target, options.allowPrivate);
  if (refused) throw new RefusedTarget(`${target}: ${refused}`);
  const url = new URL(target);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": "Enclave-Webhooks/1",
          ...headers,
        },
        lookup: guardedLookup(options.allowPrivate),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          if (size < RESPONSE_BODY_LIMIT_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on("end", () =>
          resolve({
            statusCode: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8").slice(0, RESPONSE_BODY_LIMIT_BYTES),
          }),
        );
        response.on("error", reject);
      },
    );
    // A whole-exchange deadline: a receiver that trickles its answer must not hold a delivery past its lease.
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on("close", () => clearTimeout(deadline));
    request.on("error", reject);
    request.end(body);
  });
}
