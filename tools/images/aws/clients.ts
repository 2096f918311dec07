// One set of AWS clients per region. Commands take a `ClientFactory`, so tests hand in mocked clients.
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { KMSClient } from "@aws-sdk/client-kms";
import { SSMClient } from "@aws-sdk/client-ssm";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface RegionalClients {
    ec2: EC2Client;
    autoScaling: AutoScalingClient;
    ssm: SSMClient;
    imageBuilder: ImagebuilderClient;
    kms: KMSClient;
}

export type ClientFactory = (region: string) => RegionalClients;

export interface ClientSettings {
    /** Attempts per call, the first included: a stalled endpoint costs at most attempts × requestTimeoutMs. */
    maxAttempts: number;
    retryMode: "adaptive" | "standard";
    /** Time to open the TCP (and TLS) connection. */
    connectionTimeoutMs: number;
    /** Time from sending a request to the end of its answer. */
    requestTimeoutMs: number;
    /** Tests only: a local endpoint and fixed credentials, so nothing but 127.0.0.1 is contacted. */
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Every call ends: 3 attempts of at most 20 s each, plus the SDK's short backoff, is about a minute
 * for an endpoint that accepts connections and never answers. Throttling is expected when every
 * region is read at once: the SDK's adaptive mode backs off and rate-limits the client itself, so
 * nothing here retries by hand. Credentials come from the SDK's default chain.
 */
export const CLIENT_SETTINGS: ClientSettings = {
    maxAttempts: 3,
    retryMode: "adaptive",
    connectionTimeoutMs: 5_000,
    requestTimeoutMs: 20_000,
};

/** The SDK client settings every tool uses: region, bounded attempts and timeouts, and the test endpoint if any. */
export function sdkClientConfig(region: string, settings: ClientSettings = CLIENT_SETTINGS) {
    return {
        region,
        maxAttempts: settings.maxAttempts,
        retryMode: settings.retryMode,
        requestHandler: new NodeHttpHandler({
            connectionTimeout: settings.connectionTimeoutMs,
            requestTimeout: settings.requestTimeoutMs,
            // Without it the SDK only logs a warning when requestTimeout passes, and waits on.
            throwOnRequestTimeout: true,
        }),
        ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
        ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    };
}

export function clientFactory(settings: ClientSettings = CLIENT_SETTINGS): ClientFactory {
    return region => {
        const config = sdkClientConfig(region, settings);
        return {
            ec2: new EC2Client(config),
            autoScaling: new AutoScalingClient(config),
            ssm: new SSMClient(config),
            imageBuilder: new ImagebuilderClient(config),
            kms: new KMSClient(config),
        };
    };
}

export const awsClientsFor: ClientFactory = clientFactory();
