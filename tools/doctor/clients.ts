// The clients the preflight reads with, one set per region, each call bounded like the images CLI's
// (connect and request timeouts, a few attempts). Tests hand in clients bound to the EC2 emulator or mocked.
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { Inspector2Client } from "@aws-sdk/client-inspector2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { CLIENT_SETTINGS, ClientSettings, sdkClientConfig } from "../images/aws/clients";

export interface DoctorClients {
    ec2: EC2Client;
    ssm: SSMClient;
    /** IAM is global; its client is made for the region it is asked from and signs for us-east-1 (aws partition). */
    iam: IAMClient;
    inspector: Inspector2Client;
    sts: STSClient;
}

export type DoctorClientFactory = (region: string) => DoctorClients;

export function doctorClientFactory(settings: ClientSettings = CLIENT_SETTINGS): DoctorClientFactory {
    const made = new Map<string, DoctorClients>();
    return region => {
        const existing = made.get(region);
        if (existing) return existing;
        const config = sdkClientConfig(region, settings);
        const clients = {
            ec2: new EC2Client(config),
            ssm: new SSMClient(config),
            iam: new IAMClient(config),
            inspector: new Inspector2Client(config),
            sts: new STSClient(config),
        };
        made.set(region, clients);
        return clients;
    };
}
