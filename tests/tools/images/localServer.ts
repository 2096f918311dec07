// Local servers for the tests that go through the SDK's whole stack (retries, timeouts, parsing).
// They listen on 127.0.0.1 only; nothing else is ever contacted.
import * as http from "http";
import * as net from "net";
import { AddressInfo } from "net";
import { ClientSettings } from "../../../tools/images/aws/clients";

export interface LocalServer {
    endpoint: string;
    /** Connections (stalled server) or requests (HTTP server) received so far. */
    received: () => number;
    close: () => Promise<void>;
}

/** Settings for clients that talk to `endpoint` only, with fixed credentials and short timeouts. */
export function localSettings(endpoint: string, timeouts: { connectionTimeoutMs: number; requestTimeoutMs: number }): ClientSettings {
    return { maxAttempts: 3, retryMode: "adaptive", ...timeouts, endpoint, credentials: { accessKeyId: "AKIATESTONLY", secretAccessKey: "test-only" } };
}

/** Accepts every connection and never answers: a stalled endpoint or a black-holing proxy. */
export async function stalledServer(): Promise<LocalServer> {
    const sockets = new Set<net.Socket>();
    let connections = 0;
    const server = net.createServer(socket => {
        connections += 1;
        sockets.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        received: () => connections,
        close: () =>
            new Promise<void>(resolve => {
                sockets.forEach(socket => socket.destroy());
                server.close(() => resolve());
            }),
    };
}

export type JsonAnswer = { status: number; headers?: Record<string, string>; body: unknown };

/** An HTTP server answering JSON per request path (`/ListImageScanFindings`, `/GetImage`, …). */
export async function jsonServer(answer: (path: string, body: Record<string, unknown>) => JsonAnswer): Promise<LocalServer> {
    let requests = 0;
    const server = http.createServer((request, response) => {
        let text = "";
        request.on("data", chunk => {
            text += chunk;
        });
        request.on("end", () => {
            requests += 1;
            const { status, headers, body } = answer((request.url ?? "").split("?")[0], text ? (JSON.parse(text) as Record<string, unknown>) : {});
            response.writeHead(status, { "content-type": "application/json", ...headers });
            response.end(JSON.stringify(body));
        });
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        received: () => requests,
        close: () =>
            new Promise<void>(resolve => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
