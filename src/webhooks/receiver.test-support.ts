import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/** What a receiver saw: one HTTP request. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it answered with. */
  status: number;
}

/** Decides the answer to a request (and may delay it): the receiver's behaviour in a spec. */
export type Answer = (request: { headers: IncomingHttpHeaders; body: string }) => {
  status: number;
  delayMs?: number;
  body?: string;
};

/** A real HTTP server on loopback that records every request as it arrives (before any delayed answer). */
export interface Receiver {
  url: string;
  received: Received[];
  /** Requests that arrived and are not yet answered. */
  inFlight(): number;
  answer: Answer;
  close(): Promise<void>;
}

export async function startReceiver(answer: Answer = () => ({ status: 204 })): Promise<Receiver> {
  const received: Received[] = [];
  let waiting = 0;
  const receiver: Receiver = {
    url: "",
    received,
    answer,
    inFlight: () => waiting,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const decision = receiver.answer({ headers: request.headers, body });
      received.push({ headers: request.headers, body, status: decision.status });
      waiting++;
      response.on("close", () => waiting--);
      const reply = () => {
        if (response.destroyed) return;
        response.writeHead(decision.status, { "content-type": "application/json" });
        response.end(decision.body ?? "");
      };
      if (decision.delayMs) setTimeout(reply, decision.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  receiver.url = `http://127.0.0.1:${port}/hooks`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
