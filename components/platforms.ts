// What differs between operating systems, in one place: a new platform (Windows) plugs in here.
// Everything else reads these defaults through the validated config.

export const PLATFORMS = ["linux", "windows"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const ARCHITECTURES = ["x86_64", "arm64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** A default step, as a stack file would write it: a document of the repository or an AWS-managed component. */
export type DefaultStep = { document: string } | { managed: string; version?: string };

/** The services the Windows boot test expects running when the image lists none (its document's default). */
export const WINDOWS_EXPECTED_SERVICES = ["AmazonSSMAgent", "EventLog", "Winmgmt", "Dhcp", "Dnscache", "LanmanWorkstation"] as const;

/** The Windows boot test document: its ExpectedServices parameter comes from the image's `expectedServices`. */
export const WINDOWS_BOOT_TEST = "components/documents/windows/boot-test.yaml";

export interface PlatformDefaults {
    /** Image Builder's name for the platform (components, lock entries). */
    imageBuilderPlatform: "Linux" | "Windows";
    /** The root device of the platform's AWS base images. */
    rootDeviceName: string;
    /** The pre-capture hygiene document, always the last build step. */
    hygieneDocument: string;
    /** The steps an image gets when it lists none. */
    buildSteps: DefaultStep[];
    testSteps: DefaultStep[];
    /** Where AWSTOE works on the build instance: never a directory the hygiene step empties. */
    workingDirectory: string;
    /** AWS-managed components of the platform end with this (`update-linux`, `update-windows`): the other platform's are refused. */
    managedComponentSuffix: string;
    /** The prefix of AWS's public SSM parameters for the platform's base images. */
    baseImageParameterPrefix: string;
    /** Smallest root volume the platform's base images boot from. */
    minRootVolumeGiB: number;
    defaultRootVolumeGiB: number;
    /** Architectures the platform's base images exist for. */
    architectures: readonly Architecture[];
    /** Build and test instance types when the image lists none, per architecture. */
    instanceTypes: Partial<Record<Architecture, string[]>>;
    /** Fleet instance types when a fleet lists none, per architecture. */
    fleetInstanceTypes: Partial<Record<Architecture, string[]>>;
    /** `pulumi up` waits this long for a build (tests and scanning included). */
    buildTimeout: string;
    testTimeoutMinutes: number;
    /** Fleet defaults that differ by platform: Windows boots, and runs EC2Launch v2's first-boot tasks, for minutes. */
    fleet: { instanceWarmupSeconds: number; healthCheckGracePeriodSeconds: number; userDataFile: string };
}

export const PLATFORM_DEFAULTS: Record<Platform, PlatformDefaults> = {
    linux: {
        imageBuilderPlatform: "Linux",
        rootDeviceName: "/dev/xvda",
        hygieneDocument: "components/documents/hygiene.yaml",
        buildSteps: [{ document: "components/documents/build.yaml" }],
        testSteps: [{ document: "components/documents/boot-test.yaml" }],
        workingDirectory: "/var/lib/golden-ami-build",
        managedComponentSuffix: "-linux",
        baseImageParameterPrefix: "/aws/service/ami-amazon-linux-latest/",
        minRootVolumeGiB: 8,
        defaultRootVolumeGiB: 20,
        architectures: ["x86_64", "arm64"],
        instanceTypes: { x86_64: ["t3.medium"], arm64: ["t4g.medium"] },
        fleetInstanceTypes: { x86_64: ["t3.small"], arm64: ["t4g.small"] },
        // Real builds with tests and scanning take 30–90 minutes; the provider's 60-minute default is too short.
        buildTimeout: "4h",
        testTimeoutMinutes: 90,
        fleet: { instanceWarmupSeconds: 300, healthCheckGracePeriodSeconds: 300, userDataFile: "components/documents/user-data.sh" },
    },
    windows: {
        imageBuilderPlatform: "Windows",
        rootDeviceName: "/dev/sda1",
        hygieneDocument: "components/documents/windows/hygiene.yaml",
        // Patches first (AWS's update-windows reboots as often as Windows Update asks), then our own settings.
        buildSteps: [{ managed: "update-windows" }, { document: "components/documents/windows/build.yaml" }],
        testSteps: [{ document: WINDOWS_BOOT_TEST }],
        // Not under C:\Windows\Temp or the profile's TEMP, which the hygiene step empties.
        workingDirectory: "C:\\ProgramData\\golden-ami-build",
        managedComponentSuffix: "-windows",
        baseImageParameterPrefix: "/aws/service/ami-windows-latest/",
        // AWS's Windows Server 2022 and 2025 base AMIs have a 30 GiB root snapshot, and a volume is never smaller than
        // its snapshot. Microsoft's stated minimum, 32 GB, is decimal: 29.8 GiB, so 30 GiB meets both.
        minRootVolumeGiB: 30,
        defaultRootVolumeGiB: 50,
        architectures: ["x86_64"],
        instanceTypes: { x86_64: ["m7i.large"] },
        fleetInstanceTypes: { x86_64: ["m7i.large"] },
        // AWS republishes its Windows base AMIs every month with that month's updates, so update-windows installs at most
        // a month of them, with its reboots: builds take 1.5 to 2.5 hours with Sysprep, the 50 GiB snapshot, the test
        // instance's first boot and the Inspector scan. 4 h is also the most that fits the 6 h deploy job with the copies.
        buildTimeout: "4h",
        // The test instance boots from the new image, so it runs Windows' first boot (specialize, OOBE) before the tests.
        testTimeoutMinutes: 120,
        fleet: { instanceWarmupSeconds: 900, healthCheckGracePeriodSeconds: 900, userDataFile: "components/documents/windows/user-data.ps1" },
    },
};

/**
 * The architecture of an instance type, from AWS's naming rules: family, generation, then attribute
 * letters; the attribute `g` marks AWS Graviton (t4g, m7g, c7gn, x2gd, im4gn, is4gen, g5g, hpc7g...),
 * and `a1` is the first Graviton family. Mac families are out of Image Builder's scope.
 */
export function architectureOf(instanceType: string): Architecture {
    const match = /^([a-z]+)(\d+)([a-z-]*)\./.exec(instanceType);
    if (!match) return "x86_64";
    const [, family, generation, attributes] = match;
    if (family === "a" && generation === "1") return "arm64";
    if (family === "mac") return generation === "1" ? "x86_64" : "arm64";
    return attributes.includes("g") ? "arm64" : "x86_64";
}

/** A valid example of an instance type for the architecture, for messages. */
export function exampleInstanceTypes(architecture: Architecture): string {
    return architecture === "arm64" ? "t4g.medium, m7g.large or c7g.xlarge (Graviton families carry a g)" : "t3.medium, m7i.large or c7a.xlarge";
}
