// launch-templates-hardened: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as fs from "fs";
import * as path from "path";
import * as assert from "assert";
import * as fixtures from "./fixtures";
import * as zlib from "zlib";
import { instanceLaunchesHardened, instancesGetNoPublicIp, launchTemplatesHardened } from "../../policy/policies";
import { assertOne, awsManaged, base64, encodedSecrets, findings, hiddenSecrets, ipv6Subnet, mime, passwordCommands, secret, SECRETS_FIX, wrap } from "./cases";
import {
    autoScalingGroup,
    imageRecipe,
    infrastructureConfiguration,
    instance,
    KEY_ARN,
    launchConfiguration,
    launchTemplate,
    subnet,
    SUBNET_ID,
} from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("launch-templates-hardened", () => {
    describe("blocks", () => {
        it("finds credentials beyond keyword patterns: URLs with a password, .netrc entries, vendor tokens and generated keys in exports", async () => {
            const cases: Array<[string, string]> = [
                ["curl -fsSL https://deploy:S3cr3tPassw0rd@artifacts.example.com/app.tgz -o /tmp/app.tgz", "credentials in a URL"],
                ["git clone https://ci-bot:a1b2c3d4e5@git.example.com/platform/app.git", "credentials in a URL"],
                ["DATABASE_URL=postgres://app:hunter22x@db.internal:5432/app", "credentials in a URL"],
                ["cat > /root/.netrc <<EOF\nmachine artifacts.example.com login deploy password Zq8wX2vP9k\nEOF", "a .netrc password"],
                ["export DATADOG_API_KEY=4f9a8c7e2b1d4e6f8a9b0c1d2e3f4a5b", "an API token"],
                ["export SENTRY_AUTH_TOKEN='sntrys_9fK2mQ7xLp4Rz8Vb1Nc6'", "an API token"],
                ["export GH_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "an API token"],
                ['<powershell>\n$env:NEWRELIC_LICENSE_KEY_SECRET = "a8F3kL9mQ2xZ7pR4tV6wY1bN5cD0eG8h"\n</powershell>', "an API token"],
            ];
            assert.strictEqual(cases.length, 8);
            for (const [script, what] of cases) {
                const template = launchTemplate();
                template.props.userData = base64(`#!/bin/bash\n${script}\n`);
                assert.deepStrictEqual(
                    (await runPolicy(launchTemplatesHardened, [template])).map(detail),
                    [`userData contains ${what} in plain text, readable by anyone who can describe the instance or template: ${SECRETS_FIX}`],
                    script,
                );
            }
        });

        it("finds credentials in HTTP headers, docker login -p, *_PASS variables, more vendor prefixes and generated values under other key names", async () => {
            const cases: Array<[string, string]> = [
                [
                    'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXBsb3kifQ.c2lnbmF0dXJlLXZhbHVlLTEyMzQ" https://api.example.com',
                    "credentials in an HTTP header",
                ],
                ["curl -H 'X-Api-Key: 9b2f6c1d8e4a7f3b0c5d2e9a6f1b8c4d' https://api.example.com/v1/register", "credentials in an HTTP header"],
                ["docker login -u deploy -p Zx9vQ2mL7kP4 registry.example.com", "a password"],
                ["export DB_PASS=Tr0ub4dor3xyz", "a password"],
                ["export STRIPE_KEY=rk_live_51H8abcdefGHIJKLmnopQRST", "an API token"],
                ["export VAULT_ADDR=https://vault.internal\nvault login hvs.CAESIJlWh2b3ZjX0ZJc3RhbmNlLXRva2VuLWRldg", "an API token"],
                ["export APP_SECRET_KEY=Kq8vZ2xP9mL4nR7tW1yB3cD6", "an API token"],
                ["echo 'apikey=8f14e45fceea167a5a36dedd4bea2543' >> /etc/agent.conf", "an API token"],
            ];
            assert.strictEqual(cases.length, 8);
            for (const [script, what] of cases) {
                const template = launchTemplate();
                template.props.userData = base64(`#!/bin/bash\n${script}\n`);
                assert.deepStrictEqual(
                    (await runPolicy(launchTemplatesHardened, [template])).map(detail),
                    [`userData contains ${what} in plain text, readable by anyone who can describe the instance or template: ${SECRETS_FIX}`],
                    script,
                );
            }
        });

        it("finds Windows passwords: net user with a literal, ConvertTo-SecureString -AsPlainText with a literal in any order, autologon in the registry", async () => {
            const cases: Array<[string, string]> = [
                ["net user svc-app P@ssw0rd123 /add", "a password"],
                ["net user /add svc-app P@ssw0rd123", "a password"],
                ["net.exe user Administrator N3wAdminPass", "a password"],
                ["$s = ConvertTo-SecureString -String 'P@ssw0rd123' -AsPlainText -Force", "a password"],
                ['$s = ConvertTo-SecureString -AsPlainText -Force -String "P@ssw0rd123"', "a password"],
                ["$s = 'P@ssw0rd123' | ConvertTo-SecureString -AsPlainText -Force", "a password"],
                ['reg add "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon" /v DefaultPassword /t REG_SZ /d Autolog0n! /f', "a password"],
                [
                    "Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon' -Name DefaultPassword -Value 'Autolog0n!'",
                    "a password",
                ],
                [
                    "Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon' -Name AutoAdminLogon -Value 1",
                    "Windows automatic logon (its password is kept in the registry in plain text)",
                ],
                // The Winlogon key in a variable, and -Value before -Name.
                ["Set-ItemProperty -Path $winlogon -Value 'Autolog0n!' -Name DefaultPassword", "a password"],
                ['New-ItemProperty -Path $winlogon -Name "DefaultPassword" -PropertyType String -Value "Autolog0n!" -Force', "a password"],
                ["reg add %WINLOGON% /v DefaultPassword /t REG_SZ /d Autolog0n! /f", "a password"],
                [
                    'Set-ItemProperty -Path $winlogon -Value "1" -Name AutoAdminLogon',
                    "Windows automatic logon (its password is kept in the registry in plain text)",
                ],
                // net user with a quoted password, or started from PowerShell.
                ['net user svc-app "P@ss w0rd 123" /add', "a password"],
                ["Start-Process net -ArgumentList 'user svc-app P@ssw0rd123 /add' -Wait", "a password"],
                // A literal made into a SecureString inside a credential or a new local user.
                ["New-LocalUser -Name svc-app -Password (ConvertTo-SecureString 'P@ssw0rd123' -AsPlainText -Force)", "a password"],
                [
                    "$cred = New-Object System.Management.Automation.PSCredential('svc', (ConvertTo-SecureString \"P@ssw0rd123\" -AsPlainText -Force))",
                    "a password",
                ],
            ];
            assert.strictEqual(cases.length, 17);
            for (const [line, what] of cases) {
                const template = launchTemplate();
                template.props.userData = base64(`<powershell>\n${line}\n</powershell>\n`);
                const found = (await runPolicy(launchTemplatesHardened, [template])).map(detail);
                assert.strictEqual(found.length, 1, line);
                assert.ok(found[0].startsWith(`userData contains ${what}`), `${line}: ${found[0]}`);
            }
        });

        it("judges a template's public IP by its primary interface (deviceIndex 0) wherever it is listed, and blocks carrier IPs", async () => {
            const template = launchTemplate();
            template.props.networkInterfaces = [
                { deviceIndex: 1, associatePublicIpAddress: "false", subnetId: SUBNET_ID },
                { deviceIndex: 0, subnetId: SUBNET_ID },
            ];
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), subnet(true)]), [
                `launchTemplate.id (web's networkInterfaces[1].associatePublicIpAddress) is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, ` +
                    'so instances get a public IP: set the template\'s networkInterfaces[1].associatePublicIpAddress to "false".',
            ]);
            template.props.networkInterfaces[1].associatePublicIpAddress = "false";
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), subnet(true)]), []);

            const carrier = launchTemplate();
            carrier.props.networkInterfaces[0].associateCarrierIpAddress = "true";
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [carrier]), [
                'networkInterfaces[0].associateCarrierIpAddress is "true": set it to "false" and reach instances through a load balancer or Systems Manager.',
            ]);
        });

        for (const [how, userData, what] of hiddenSecrets) {
            it(`finds ${what} written as ${how}`, async () => {
                const template = launchTemplate();
                template.props.userData = base64(userData);
                const found = await findings(launchTemplatesHardened, [template]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], new RegExp(`^userData contains ${what} in plain text`));
            });
        }

        it("launch-templates-hardened finds a key in base64 wrapped over lines, wherever the line breaks fall", async () => {
            for (let pad = 0; pad < 60; pad++) {
                const script = `#!/bin/bash\n#${"-".repeat(pad)}\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n`;
                for (const userData of [
                    mime("base64", wrap(base64(script))),
                    `#cloud-config\nwrite_files:\n  - encoding: b64\n    path: /etc/profile.d/aws.sh\n    content: |\n      ${wrap(base64(script), 60).split("\n").join("\n      ")}\n`,
                ]) {
                    const template = launchTemplate();
                    template.props.userData = base64(userData);
                    const found = await findings(launchTemplatesHardened, [template]);
                    assert.strictEqual(found.length, 1, `pad ${pad}: ${JSON.stringify(found)}`);
                    assert.match(found[0], /^userData contains an AWS access key id in plain text/);
                }
            }
        });

        for (const [how, userData, what] of encodedSecrets) {
            it(`launch-templates-hardened finds ${what} written as ${how}`, async () => {
                const template = launchTemplate();
                template.props.userData = base64(userData);
                const found = await findings(launchTemplatesHardened, [template]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], new RegExp(`^userData contains ${what} in plain text`));
            });
        }

        it("launch-templates-hardened and instance-launches-hardened see through secret user data, metadata options and public IPs (class: instances launched from the image)", async () => {
            const changes: Array<[string, ResourceFixture, typeof launchTemplatesHardened, RegExp]> = [];
            const withUserData = launchTemplate();
            withUserData.props.userData = secret(base64("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"));
            changes.push(["template userData", withUserData, launchTemplatesHardened, /^userData contains an AWS access key id in plain text/]);
            const publicIp = launchTemplate();
            publicIp.props.networkInterfaces[0].associatePublicIpAddress = secret("true");
            changes.push(["template public IP", publicIp, launchTemplatesHardened, /^networkInterfaces\[0\]\.associatePublicIpAddress is "true"/]);
            const options = launchTemplate();
            options.props.metadataOptions = secret({ httpTokens: "optional", httpPutResponseHopLimit: 1 });
            changes.push(["template metadata options", options, launchTemplatesHardened, /^metadataOptions\.httpTokens is "optional"/]);
            const instanceUserData = instance();
            instanceUserData.props.userData = secret("#!/bin/bash\necho 'root:hunter22' | chpasswd\n");
            changes.push(["instance userData", instanceUserData, instanceLaunchesHardened, /^userData contains a password in plain text/]);
            const instanceVolume = instance();
            instanceVolume.props.rootBlockDevice = { ...instanceVolume.props.rootBlockDevice, encrypted: secret(false) };
            changes.push(["instance root volume", instanceVolume, instanceLaunchesHardened, /^rootBlockDevice\.encrypted is false/]);
            for (const [label, resource, policy, expected] of changes) assertOne(await findings(policy, [resource]), expected, label);
        });

        it('launch-templates-hardened and instances-get-no-public-ip read "1", "t", "T" and 1 as true (class: no public IP)', async () => {
            for (const yes of ["1", "t", "T", " True ", 1]) {
                const template = launchTemplate();
                template.props.networkInterfaces[0].associatePublicIpAddress = yes;
                assertOne(
                    await findings(launchTemplatesHardened, [template]),
                    /^networkInterfaces\[0\]\.associatePublicIpAddress is .*: set it to "false"/,
                    JSON.stringify(yes),
                );
                const unset = launchTemplate();
                delete unset.props.networkInterfaces;
                const publicSubnet = subnet(true);
                publicSubnet.props.mapPublicIpOnLaunch = yes;
                assertOne(
                    await findings(instancesGetNoPublicIp, [unset, autoScalingGroup(), publicSubnet]),
                    /has mapPublicIpOnLaunch true/,
                    JSON.stringify(yes),
                );
            }
        });

        it("launch-templates-hardened and instance-launches-hardened block a volume under an AWS-managed key, however written (class: encryption)", async () => {
            for (const key of awsManaged) {
                const template = launchTemplate();
                template.props.blockDeviceMappings[0].ebs.kmsKeyId = key;
                assertOne(await findings(launchTemplatesHardened, [template]), /^blockDeviceMappings\[0\]\.ebs\.kmsKeyId is .*, an AWS-managed key/, key);
                const root = instance();
                root.props.rootBlockDevice.kmsKeyId = key;
                assertOne(await findings(instanceLaunchesHardened, [root]), /^rootBlockDevice\.kmsKeyId is .*, an AWS-managed key/, key);
                const data = instance();
                data.props.ebsBlockDevices[0].kmsKeyId = key;
                assertOne(await findings(instanceLaunchesHardened, [data]), /^ebsBlockDevices\[0\]\.kmsKeyId is .*, an AWS-managed key/, key);
            }
        });

        for (const [how, userData] of passwordCommands) {
            it(`launch-templates-hardened finds a password written as ${how} (class: no secrets in user data)`, async () => {
                const template = launchTemplate();
                template.props.userData = base64(userData);
                assertOne(await findings(launchTemplatesHardened, [template]), /^userData contains a password in plain text/);
            });
        }

        it("launch-templates-hardened reads metadata options given as a list of one block (class: IMDSv2)", async () => {
            const optional = launchTemplate();
            optional.props.metadataOptions = [{ httpTokens: "optional", httpPutResponseHopLimit: 1 }];
            assertOne(await findings(launchTemplatesHardened, [optional]), /^metadataOptions\.httpTokens is "optional"/);
            const required = launchTemplate();
            required.props.metadataOptions = [{ httpEndpoint: "enabled", httpTokens: " Required ", httpPutResponseHopLimit: 1 }];
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [required]), []);
        });

        it("launch-templates-hardened blocks any network interface that asks for IPv6 addresses or prefixes, however given", async () => {
            const cases: Array<[string, unknown]> = [
                ["ipv6AddressCount", 1],
                ["ipv6AddressCount", "2"],
                ["ipv6Addresses", ["2600:1f18:1234:5600::10"]],
                ["ipv6Addresses", "2600:1f18:1234:5600::10"],
                ["ipv6PrefixCount", 1],
                ["ipv6Prefixes", ["2600:1f18:1234:5600:1::/80"]],
                ["primaryIpv6", "true"],
                ["primaryIpv6", "T"],
                ["primaryIpv6", true],
            ];
            for (const [field, value] of cases) {
                const template = launchTemplate();
                template.props.networkInterfaces[0][field] = value;
                assertOne(
                    await findings(launchTemplatesHardened, [template]),
                    new RegExp(`^networkInterfaces\\[0\\]\\.${field} is .*global IPv6 address`),
                    `${field} ${JSON.stringify(value)}`,
                );
            }
            // A secondary interface's address is as reachable as the primary's.
            const secondary = launchTemplate();
            secondary.props.networkInterfaces.push({ deviceIndex: 1, associatePublicIpAddress: "false", ipv6AddressCount: 1 });
            assertOne(await findings(launchTemplatesHardened, [secondary]), /^networkInterfaces\[1\]\.ipv6AddressCount is 1/);
        });

        it('launch-templates-hardened and instance-launches-hardened block a hop limit of 0, "" or below 1, which the provider does not send', async () => {
            for (const hopLimit of [0, "0", "", " ", -1]) {
                const template = launchTemplate();
                template.props.metadataOptions.httpPutResponseHopLimit = hopLimit;
                assertOne(
                    await findings(launchTemplatesHardened, [template]),
                    /^metadataOptions\.httpPutResponseHopLimit is .*not a hop limit of 1 or more/,
                    `template ${JSON.stringify(hopLimit)}`,
                );
                const launch = instance();
                launch.props.metadataOptions.httpPutResponseHopLimit = hopLimit;
                assertOne(
                    await findings(instanceLaunchesHardened, [launch]),
                    /^metadataOptions\.httpPutResponseHopLimit is .*not a hop limit of 1 or more/,
                    `instance ${JSON.stringify(hopLimit)}`,
                );
                const infrastructure = infrastructureConfiguration();
                infrastructure.props.instanceMetadataOptions.httpPutResponseHopLimit = hopLimit;
                assertOne(
                    await findings(instanceLaunchesHardened, [infrastructure]),
                    /^instanceMetadataOptions\.httpPutResponseHopLimit is .*not a hop limit of 1 or more/,
                    `build ${JSON.stringify(hopLimit)}`,
                );
            }
        });

        it("fails secrets in user data, plain, base64 or gzipped, in templates, instances, launch configurations and recipes", async () => {
            const variants: Array<[string, string]> = [
                ["an AWS access key id", "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"],
                ["an AWS secret access key", "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"],
                ["a private key", "cat > /root/.ssh/id_rsa <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nEOF\n"],
                ["a password", "#!/bin/bash\necho 'root:hunter22' | chpasswd\n"],
                ["a password", "#cloud-config\nusers:\n  - name: admin\n    plain_text_passwd: hunter22\n"],
                ["a password", "DB_PASSWORD=hunter22 /opt/app/start\n"],
            ];
            for (const [what, script] of variants) {
                const template = launchTemplate();
                template.props.userData = base64(script);
                const plain = instance();
                plain.props.userData = script;
                const gzipped = launchConfiguration();
                gzipped.props.userDataBase64 = zlib.gzipSync(script).toString("base64");
                const recipe = imageRecipe();
                recipe.props.userDataBase64 = base64(script);
                const findings = [
                    ...(await runPolicy(launchTemplatesHardened, [template])).map(detail),
                    ...(await runPolicy(instanceLaunchesHardened, [plain, gzipped, recipe])).map(detail),
                ];
                assert.deepStrictEqual(
                    findings.map(finding => finding.split(" contains ")[0]),
                    ["userData", "userData", "userDataBase64", "userDataBase64"],
                    what,
                );
                assert.ok(
                    findings.every(finding =>
                        finding.endsWith(`${what} in plain text, readable by anyone who can describe the instance or template: ${SECRETS_FIX}`),
                    ),
                    findings.join("\n"),
                );
            }
            const references = launchTemplate();
            references.props.userData = base64(
                '#!/bin/bash\nPASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)\nmysql --password="$PASSWORD"\n',
            );
            assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [references]), []);
        });

        it('fails httpTokens other than "required", and a template with no metadataOptions', async () => {
            const optional = launchTemplate();
            optional.props.metadataOptions.httpTokens = "optional";
            assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [optional])).map(detail), [
                'metadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.',
            ]);

            const unset = launchTemplate();
            delete unset.props.metadataOptions;
            assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [unset])).map(detail), [
                'metadataOptions.httpTokens is not set: set it to "required" so instances use IMDSv2 only.',
                "metadataOptions.httpPutResponseHopLimit is not set, so the AMI's default applies (2 for Amazon Linux 2023): set it to 1.",
            ]);
        });

        it("fails a hop limit above the configured maximum (default 1)", async () => {
            const template = launchTemplate();
            template.props.metadataOptions.httpPutResponseHopLimit = 2;
            assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [
                "metadataOptions.httpPutResponseHopLimit is 2, above the allowed 1: set it to 1.",
            ]);
            assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [template], { maxHopLimit: 2 }), []);
            template.props.metadataOptions.httpPutResponseHopLimit = 3;
            assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template], { maxHopLimit: 2 })).map(detail), [
                "metadataOptions.httpPutResponseHopLimit is 3, above the allowed 2: set it to at most 2.",
            ]);
        });

        it('fails an EBS volume whose encrypted is not "true" (strings or booleans)', async () => {
            for (const encrypted of ["false", false, undefined]) {
                const template = launchTemplate();
                template.props.blockDeviceMappings[0].ebs.encrypted = encrypted;
                assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [
                    `blockDeviceMappings[0].ebs.encrypted is ${encrypted === undefined ? "not set" : JSON.stringify(encrypted)}: set it to "true".`,
                ]);
            }
            const boolean = launchTemplate();
            boolean.props.blockDeviceMappings[0].ebs.encrypted = true;
            assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [boolean]), []);
        });

        it("fails a network interface that associates a public IP address", async () => {
            for (const associatePublicIpAddress of ["true", true]) {
                const template = launchTemplate();
                template.props.networkInterfaces[0].associatePublicIpAddress = associatePublicIpAddress;
                assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [
                    `networkInterfaces[0].associatePublicIpAddress is ${JSON.stringify(associatePublicIpAddress)}: set it to "false" ` +
                        "and reach instances through a load balancer or Systems Manager.",
                ]);
            }
        });

        it("rejects a maxHopLimit config outside 1..64, as the CLI validates config against the schema", async () => {
            await assert.rejects(
                runPolicy(launchTemplatesHardened, [launchTemplate()], { maxHopLimit: 0 }),
                /launch-templates-hardened: maxHopLimit: Must be greater than or equal to 1/,
            );
        });
    });

    describe("still passes", () => {
        it("passes realistic Linux and Windows user data that fetches its secrets at boot (no false positives)", async () => {
            const linux = [
                "#!/bin/bash",
                "set -euo pipefail",
                "export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/app/db --query SecretString --output text)",
                'export DATADOG_API_KEY="$(aws ssm get-parameter --name /app/datadog/api-key --with-decryption --query Parameter.Value --output text)"',
                "GITHUB_TOKEN=${GITHUB_TOKEN:-}",
                "curl -fsSL https://artifacts.example.com/app.tgz -o /tmp/app.tgz",
                "psql \"postgres://app:${DB_PASSWORD}@db.internal:5432/app\" -c 'select 1'",
                "export APP_TOKEN_PATH=/etc/app/token",
                "export FEATURE_FLAG_SECRET_NAME=prod-app-feature-flags",
                'TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")',
                'curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id',
                'curl -fsSL -H "Authorization: Bearer $(cat /run/secrets/registry-token)" https://artifacts.example.com/app.tgz -o /tmp/app.tgz',
                "aws ecr get-login-password | docker login --username AWS --password-stdin 111111111111.dkr.ecr.us-east-1.amazonaws.com",
                'docker login -u AWS -p "$(aws ecr get-login-password)" 111111111111.dkr.ecr.us-east-1.amazonaws.com',
                "export DB_PASS=$(aws secretsmanager get-secret-value --secret-id prod/app/db --query SecretString --output text)",
                "export CACHE_KEY=al2023-base-1.4.0-x86",
                "export GPG_KEY=0x6A3D1F4B2C8E9A70",
                "export ARTIFACT_KEY=releases/app/1.4.0/app.tgz",
                "systemctl enable --now amazon-ssm-agent",
            ].join("\n");
            const windows = [
                "<powershell>",
                "$ErrorActionPreference = 'Stop'",
                "$secret = (Get-SECSecretValue -SecretId 'prod/app/svc').SecretString | ConvertFrom-Json",
                "$password = ConvertTo-SecureString $secret.password -AsPlainText -Force",
                "$pw = (Get-SSMParameterValue -Name /app/svc/password -WithDecryption $true).Parameters[0].Value",
                "net user svc-app $pw /add",
                "net user Administrator /active:no",
                "$env:NEWRELIC_LICENSE_KEY_SECRET = (Get-SSMParameterValue -Name /app/newrelic -WithDecryption $true).Parameters[0].Value",
                "New-LocalUser -Name svc-app -Password $password",
                "Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon' -Name AutoAdminLogon -Value 0",
                "</powershell>",
            ].join("\n");
            const scripts = [linux, windows];
            assert.strictEqual(scripts.length, 2);
            for (const script of scripts) {
                const template = launchTemplate();
                template.props.userData = base64(script);
                assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [], script.slice(0, 40));
            }
        });

        it("passes Windows user data that handles accounts and autologon without a literal password", async () => {
            const lines = [
                "$winlogon = 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon'",
                "$password = (Get-SECSecretValue -SecretId 'prod/app/svc').SecretString",
                "Set-ItemProperty -Path $winlogon -Name DefaultPassword -Value $password",
                "Set-ItemProperty -Path $winlogon -Name DefaultUserName -Value 'svc-app'",
                "Remove-ItemProperty -Path $winlogon -Name DefaultPassword -ErrorAction SilentlyContinue",
                "Set-ItemProperty -Path $winlogon -Name AutoAdminLogon -Value '0'",
                "$s = ConvertTo-SecureString -String $(Get-SSMParameter -Name /app/pw -WithDecryption $true).Value -AsPlainText -Force",
                "$pw = (Get-SSMParameter -Name /app/svc/password -WithDecryption $true).Value",
                "net user svc-app $pw /add",
                "net user svc-app /delete",
                "net user svc-app /active:yes",
                "New-LocalUser -Name svc-app -NoPassword",
            ];
            assert.strictEqual(lines.length, 12);
            for (const line of lines) {
                const template = launchTemplate();
                template.props.userData = base64(`<powershell>\n${line}\n</powershell>\n`);
                assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [], line);
            }
        });

        it("passes the repository's Windows fleet user data", async () => {
            const template = launchTemplate();
            template.props.userData = base64(fs.readFileSync(path.join(__dirname, "../../components/documents/windows/user-data.ps1"), "utf8"));
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
        });

        it("passes user data that only refers to secrets or carries public keys", async () => {
            const template = launchTemplate();
            template.props.userData = base64(
                "#!/bin/bash\nexport PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)\n" +
                    "echo $PASSWORD | passwd --stdin ec2-user\nnet user admin * /add\n" +
                    "echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx3d0p5c2VjcmV0a2V5bm90aGVyZWF0YWxsMTIzNDU2 ops' >> /home/ec2-user/.ssh/authorized_keys\n",
            );
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
        });

        it("passes wrapped base64 and MIME parts that carry no secret (no false positives)", async () => {
            const script =
                "#!/bin/bash\ndnf -y update\nsystemctl enable --now amazon-ssm-agent\necho 'export PASSWORD=$(aws ssm get-parameter --name db --with-decryption --query Parameter.Value --output text)' >> /etc/profile\n";
            for (const userData of [mime("base64", wrap(base64(script))), mime("quoted-printable", script.replace(/=/g, "=3D")), script]) {
                const template = launchTemplate();
                template.props.userData = base64(userData);
                assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
            }
        });

        it('still passes volumes encrypted with "1" or "T" and public IPs turned off with "0" or "f"', async () => {
            for (const [yes, no] of [
                ["1", "0"],
                ["T", "f"],
                ["TRUE", "False"],
            ]) {
                const template = launchTemplate();
                template.props.blockDeviceMappings[0].ebs.encrypted = yes;
                template.props.networkInterfaces[0].associatePublicIpAddress = no;
                assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), [], yes);
                assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), subnet(true)]), [], no);
            }
        });

        it("still passes volumes under a customer-managed key (ARN, alias) or with no key named", async () => {
            for (const key of [KEY_ARN, "alias/golden-ami", undefined]) {
                const template = launchTemplate();
                template.props.blockDeviceMappings[0].ebs.kmsKeyId = key;
                assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), [], String(key));
                const root = instance();
                root.props.rootBlockDevice.kmsKeyId = key;
                assert.deepStrictEqual(await findings(instanceLaunchesHardened, [root]), [], String(key));
            }
        });

        it("still passes commands that take the password from elsewhere", async () => {
            const template = launchTemplate();
            template.props.userData = base64(
                "#!/bin/bash\nPW=$(aws secretsmanager get-secret-value --secret-id root --query SecretString --output text)\n" +
                    'echo "root:$PW" | chpasswd\nprintf \'%s\' "$PW" | passwd --stdin ec2-user\nopenssl passwd -6 -stdin < /run/pw > /run/pw.hash\nchpasswd <<< "root:$PW"\n',
            );
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
        });

        it("still passes IPv6 turned off or left out, and an existing interface in a dual-stack subnet", async () => {
            const template = launchTemplate();
            Object.assign(template.props.networkInterfaces[0], {
                ipv6AddressCount: 0,
                ipv6Addresses: [],
                ipv6Prefixes: [],
                ipv6PrefixCount: 0,
                primaryIpv6: "false",
            });
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
            const quiet = instance();
            Object.assign(quiet.props, { ipv6AddressCount: 0, ipv6Addresses: [], enablePrimaryIpv6: false });
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [quiet]), []);
            assert.deepStrictEqual(
                await findings(instancesGetNoPublicIp, [launchTemplate(), autoScalingGroup(), ipv6Subnet("assignIpv6AddressOnCreation", false)]),
                [],
            );
            const attached = instance();
            delete attached.props.associatePublicIpAddress;
            delete attached.props.subnetId;
            attached.props.networkInterfaces = [{ deviceIndex: 0, networkInterfaceId: "eni-0123456789abcdef0" }];
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [attached, ipv6Subnet()]), []);
        });

        it("still passes a hop limit of 0 on an instance that launches from a template (the template's applies), and 1 or 2 written as strings", async () => {
            const fromTemplate = instance();
            fromTemplate.props.launchTemplate = { id: fixtures.TEMPLATE_ID, version: "3" };
            fromTemplate.props.metadataOptions = { httpPutResponseHopLimit: 0 };
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [fromTemplate]), []);
            for (const [hopLimit, maxHopLimit] of [
                ["1", 1],
                [" 2 ", 2],
            ] as const) {
                const template = launchTemplate();
                template.props.metadataOptions.httpPutResponseHopLimit = hopLimit;
                assert.deepStrictEqual(await findings(launchTemplatesHardened, [template], { maxHopLimit }), [], hopLimit);
            }
        });

        it("passes a template with IMDSv2, one hop, encrypted volumes and no public IP", async () => {
            assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [launchTemplate()]), []);
        });

        it("accepts a template that turns the metadata service off", async () => {
            const template = launchTemplate();
            template.props.metadataOptions = { httpEndpoint: "disabled" };
            assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [template]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly which values are unknown until apply", async () => {
            const template = launchTemplate();
            template.props.metadataOptions.httpTokens = UNKNOWN;
            template.props.networkInterfaces[0].associatePublicIpAddress = UNKNOWN;
            const diagnostics = await runPolicy(launchTemplatesHardened, [template]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check metadataOptions.httpTokens, networkInterfaces[0].associatePublicIpAddress: values unknown until apply"]],
            );
        });
    });
});
