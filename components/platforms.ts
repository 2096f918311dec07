// What differs between operating systems, in one place: a new platform (Windows) plugs in here.
// Everything else reads these defaults through the validated config.

export const PLATFORMS = ["linux", "windows"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const ARCHITECTURES = ["x86_64", "arm64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface PlatformDefaults {
    /** Image Builder's name for the platform (components, lock entries). */
    imageBuilderPlatform: "Linux" | "Windows";
    /** The root device of the platform's AWS base images. */
    rootDeviceName: string;
    /** The pre-capture hygiene document, always the last build step. */
    hygieneDocument: string;
    /** The steps an image gets when it lists none. */
    buildSteps: string[];
    testSteps: string[];
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
    /** Set while the platform cannot be built yet: why, shown when a stack asks for it. */
    notYet?: string;
}

export const PLATFORM_DEFAULTS: Record<Platform, PlatformDefaults> = {
    linux: {
        imageBuilderPlatform: "Linux",
        rootDeviceName: "/dev/xvda",
        hygieneDocument: "components/documents/hygiene.yaml",
        buildSteps: ["components/documents/build.yaml"],
        testSteps: ["components/documents/boot-test.yaml"],
        minRootVolumeGiB: 8,
        defaultRootVolumeGiB: 20,
        architectures: ["x86_64", "arm64"],
        instanceTypes: { x86_64: ["t3.medium"], arm64: ["t4g.medium"] },
        fleetInstanceTypes: { x86_64: ["t3.small"], arm64: ["t4g.small"] },
        // Real builds with tests and scanning take 30–90 minutes; the provider's 60-minute default is too short.
        buildTimeout: "4h",
        testTimeoutMinutes: 90,
    },
    windows: {
        imageBuilderPlatform: "Windows",
        rootDeviceName: "/dev/sda1",
        hygieneDocument: "components/documents/windows/hygiene.yaml",
        buildSteps: [],
        testSteps: [],
        // Microsoft's stated minimum for Windows Server.
        minRootVolumeGiB: 32,
        defaultRootVolumeGiB: 50,
        architectures: ["x86_64"],
        instanceTypes: { x86_64: ["m7i.large"] },
        fleetInstanceTypes: { x86_64: ["m7i.large"] },
        buildTimeout: "6h",
        testTimeoutMinutes: 120,
        notYet: "Windows images are not supported yet: its hygiene document and build steps are still to come",
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
