// One set of AWS clients per region. Commands take a `ClientFactory`, so tests hand in mocked clients.
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";

export interface RegionalClients {
    ec2: EC2Client;
    autoScaling: AutoScalingClient;
    ssm: SSMClient;
}

export type ClientFactory = (region: string) => RegionalClients;

/**
 * Throttling is expected when every region is read at once: the SDK's adaptive retry mode backs off
 * and rate-limits the client itself, so nothing here retries by hand. Credentials come from the
 * SDK's default chain (AWS_PROFILE, SSO, environment, instance or task role).
 */
export const RETRY_SETTINGS = { maxAttempts: 8, retryMode: "adaptive" } as const;

export function awsClientsFor(region: string): RegionalClients {
    return {
        ec2: new EC2Client({ region, ...RETRY_SETTINGS }),
        autoScaling: new AutoScalingClient({ region, ...RETRY_SETTINGS }),
        ssm: new SSMClient({ region, ...RETRY_SETTINGS }),
    };
}
