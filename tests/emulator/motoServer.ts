// The EC2 emulator (moto's server) for tests that must see what AWS would really hold afterwards:
// permissions removed, snapshots kept. One server per test file, on 127.0.0.1 and a free port; each
// test resets it. CI's machines have `moto_server` (Python's moto); without it the tests fail and say so.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as net from "net";
import { clientFactory, ClientFactory } from "../../tools/images/aws/clients";

export interface MotoServer {
    endpoint: string;
    /** Clients for any region, all talking to this server with fixed test credentials. */
    clients: ClientFactory;
    /** Forgets every resource: each test starts from an empty account. */
    reset(): Promise<void>;
    stop(): Promise<void>;
}

/** The account id moto answers with (its default). */
export const MOTO_ACCOUNT = "123456789012";

const STARTUP_TIMEOUT_MS = 20_000;

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, "127.0.0.1", () => {
            const { port } = probe.address() as net.AddressInfo;
            probe.close(() => resolve(port));
        });
    });
}

function motoServerCommand(): string {
    try {
        execFileSync("moto_server", ["--help"], { stdio: "ignore", timeout: 15_000 });
        return "moto_server";
    } catch {
        throw new Error("the EC2 emulator is missing: install it with `pip install 'moto[server]'` (moto_server must be on PATH)");
    }
}

async function waitUntilServing(endpoint: string, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode} before serving`);
        try {
            const answer = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
            if (answer.ok) return;
        } catch {
            // not listening yet
        }
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error(`moto_server did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

export async function startMoto(): Promise<MotoServer> {
    const command = motoServerCommand();
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(command, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    await waitUntilServing(endpoint, child);
    return {
        endpoint,
        clients: clientFactory({
            maxAttempts: 1,
            retryMode: "standard",
            connectionTimeoutMs: 2_000,
            requestTimeoutMs: 10_000,
            endpoint,
            credentials: { accessKeyId: "AKIATESTONLY", secretAccessKey: "test-only" },
        }),
        reset: async () => {
            const answer = await fetch(`${endpoint}/moto-api/reset`, { method: "POST", signal: AbortSignal.timeout(5_000) });
            if (!answer.ok) throw new Error(`moto reset answered ${answer.status}`);
        },
        stop: () =>
            new Promise<void>(resolve => {
                if (child.exitCode !== null) return resolve();
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
            }),
    };
}
