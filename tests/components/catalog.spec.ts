// The catalog: several images per stack, each with its own pipeline, side by side.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RawStackConfig } from "../../components/config";
import { legacyAliases } from "../../components/catalog";
import { longestDependencyChain } from "../../tools/engine/dependencyGraph";
import { generatedStackConfig, generatedVersionLock } from "../../tools/engine/generatedConfig";
import { readStackConfig } from "../../tools/engine/stackFile";
import { changesOf, diffRuns } from "../../tools/plan/diff";
import { DeclaredResource, imageOutput, ofType, ProgramRun, referencedBy, runStack, stackVersion, TYPES } from "../helpers";
import { bumpVersion } from "../../tools/release/lock";

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const devImages = () => readStackConfig("dev").images as Record<string, Record<string, unknown>>;

/** dev's catalog plus these images, run with a lock that holds every image as it is. */
async function runDev(images: Record<string, Record<string, unknown>>, extra: RawStackConfig = {}, previous?: ProgramRun): Promise<ProgramRun> {
    const config = { images, ...extra };
    return runStack("dev", { config, previous, versionLock: generatedVersionLock({ ...readStackConfig("dev"), ...config }) });
}

const WEB_APP = {
    version: "1.0.0",
    baseImage: "image:al2023-base",
    artifacts: ["s3://team-artifacts/web-app/"],
    buildSteps: [{ document: "components/documents/build.yaml" }, { managed: "amazon-cloudwatch-agent-linux", version: "1.x.x" }],
};

/** The resources that belong to one image: named after it (`<image>-...`), not after a longer image name that starts the same. */
function ofImage(run: ProgramRun, image: string, names: string[]): DeclaredResource[] {
    const longer = names.filter(other => other !== image && other.startsWith(image));
    return run.resources.filter(
        resource => resource.custom && resource.name.startsWith(`${image}-`) && !longer.some(other => resource.name.startsWith(`${other}-`)),
    );
}

describe("the catalog (dev: x86_64 and arm64 of one family, and Windows Server)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("dev");
    });

    it("builds each image with its own recipe and infrastructure, on build instances of its own architecture", () => {
        const recipes = ofType(run, TYPES.recipe);
        assert.deepStrictEqual(recipes.map(recipe => recipe.inputs.name).sort(), ["al2023-base-arm64-dev", "al2023-base-dev", "windows-2022-dev"]);
        const infrastructures = ofType(run, TYPES.infrastructure);
        assert.strictEqual(infrastructures.length, 3);
        const typesOf = (name: string) => infrastructures.find(infrastructure => infrastructure.inputs.name === name)!.inputs.instanceTypes;
        assert.deepStrictEqual(typesOf("al2023-base-dev"), ["t3.medium"]);
        assert.deepStrictEqual(typesOf("al2023-base-arm64-dev"), ["t4g.medium"]);
        assert.deepStrictEqual(typesOf("windows-2022-dev"), ["m7i.large"]);
        const windows = recipes.find(recipe => recipe.inputs.name === "windows-2022-dev")!;
        assert.match(windows.inputs.parentImage, /ami-windows-latest\/Windows_Server-2022-English-Full-Base$/);
        assert.strictEqual(windows.inputs.blockDeviceMappings[0].deviceName, "/dev/sda1");
        const arm = recipes.find(recipe => recipe.inputs.name === "al2023-base-arm64-dev")!;
        assert.match(arm.inputs.parentImage, /al2023-ami-kernel-default-arm64$/);
    });

    it("references AWS-managed components by name and version, and keeps the hygiene step last in every recipe", () => {
        const recipes = ofType(run, TYPES.recipe);
        assert.strictEqual(recipes.length, 3);
        for (const recipe of recipes) {
            const arns: string[] = recipe.inputs.components.map((component: { componentArn: string }) => component.componentArn);
            const last = referencedBy(run, arns[arns.length - 1]);
            assert.strictEqual(last?.inputs.name, `${recipe.inputs.name}-hygiene`, `${recipe.inputs.name}: hygiene is last`);
        }
        const arm = recipes.find(recipe => recipe.inputs.name === "al2023-base-arm64-dev")!;
        const managed = arm.inputs.components
            .map((component: { componentArn: string }) => component.componentArn)
            .filter((arn: string) => arn.includes(":aws:component/"));
        assert.deepStrictEqual(managed, ["arn:aws:imagebuilder:us-east-1:aws:component/amazon-cloudwatch-agent-linux/1.x.x"]);
        const windowsManaged = recipes
            .find(recipe => recipe.inputs.name === "windows-2022-dev")!
            .inputs.components.map((component: { componentArn: string }) => component.componentArn)
            .filter((arn: string) => arn.includes(":aws:component/"));
        assert.deepStrictEqual(windowsManaged, ["arn:aws:imagebuilder:us-east-1:aws:component/update-windows/x.x.x"]);
    });

    it("shares one key per region between the images, and blocks public sharing once per region", () => {
        const keys = ofType(run, TYPES.kmsKey);
        assert.deepStrictEqual(keys.map(key => key.region).sort(), ["us-east-1", "us-west-2"]);
        for (const recipe of ofType(run, TYPES.recipe)) {
            assert.strictEqual(referencedBy(run, recipe.inputs.blockDeviceMappings[0].ebs.kmsKeyId)?.region, "us-east-1", recipe.name);
        }
        const copies = ofType(run, TYPES.amiCopy);
        assert.strictEqual(copies.length, 3, "each image copied to us-west-2");
        assert.strictEqual(new Set(copies.map(copy => copy.inputs.kmsKeyId)).size, 1, "every copy under us-west-2's one key");
        assert.deepStrictEqual(
            ofType(run, TYPES.blockPublicAccess)
                .map(block => block.region)
                .sort(),
            ["us-east-1", "us-west-2"],
        );
    });

    it("gives each image its own names: Image Builder, AMI names, SSM parameters and outputs", () => {
        for (const image of ["al2023-base", "al2023-base-arm64", "windows-2022"]) {
            const outputs = imageOutput(run, image);
            assert.deepStrictEqual(Object.values(outputs.ssmParameterNames), [`/golden-ami/${image}/dev/ami-id`, `/golden-ami/${image}/dev/ami-id`]);
        }
        const distributions = ofType(run, TYPES.distribution);
        const amiNames = distributions.map(distribution => distribution.inputs.distributions[0].amiDistributionConfiguration.name);
        assert.deepStrictEqual(amiNames.sort(), [
            `al2023-base-${stackVersion("dev", "al2023-base")}-dev-{{ imagebuilder:buildDate }}`,
            `al2023-base-arm64-${stackVersion("dev", "al2023-base-arm64")}-dev-{{ imagebuilder:buildDate }}`,
            `windows-2022-${stackVersion("dev", "windows-2022")}-dev-{{ imagebuilder:buildDate }}`,
        ]);
        const components = ofType(run, TYPES.component).map(component => `${component.inputs.name}/${component.inputs.version}`);
        assert.strictEqual(new Set(components).size, components.length, `component names are unique: ${components.join(", ")}`);
    });

    it("selects each image's own builds in its lifecycle policy", () => {
        const policies = ofType(run, TYPES.lifecycle);
        const recipeNames = policies.map(policy => [...new Set(policy.inputs.resourceSelection.recipes.map((recipe: { name: string }) => recipe.name))]);
        assert.ok(
            recipeNames.every(names => names.length === 1),
            `one recipe name per policy: ${JSON.stringify(recipeNames)}`,
        );
        assert.deepStrictEqual(recipeNames.map(names => names[0]).sort(), ["al2023-base-arm64-dev", "al2023-base-dev", "windows-2022-dev"]);
    });
});

describe("the catalog at scale", () => {
    it("keeps the longest dependency chain flat as images are added: images build side by side", async () => {
        const chains: number[] = [];
        for (const count of [1, 2, 4]) {
            const raw = generatedStackConfig(2, 2, count);
            const images = raw.images as Record<string, Record<string, unknown>>;
            // Independent images only (no layering): the chain must not grow with their number.
            const flat = Object.fromEntries(
                Object.entries(images).map(([name, image]) => [
                    name,
                    String(image.baseImage).startsWith("image:") ? { ...image, baseImage: devImages()["al2023-base"].baseImage } : image,
                ]),
            );
            const config = { ...raw, images: flat };
            const run = await runStack("dev", { rawConfig: config, versionLock: generatedVersionLock(config) });
            assert.strictEqual(ofType(run, TYPES.recipe).length, count);
            chains.push(longestDependencyChain(run.resources).length);
        }
        assert.strictEqual(new Set(chains).size, 1, `chain lengths ${chains.join(", ")}`);
    });
});

describe("layered images", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runDev({ ...devImages(), "web-app": WEB_APP });
    });

    it("builds the child on its parent's build in the home region, and on nothing else", () => {
        const child = ofType(run, TYPES.recipe).find(recipe => recipe.inputs.name === "web-app-dev")!;
        assert.strictEqual(child.inputs.parentImage, imageOutput(run, "al2023-base").amiId, "the parent's AMI");
        const parentBuild = ofType(run, TYPES.image).find(image => image.name === "al2023-base-image")!;
        assert.strictEqual(referencedBy(run, child.inputs.parentImage), undefined, "an AMI id, not a resource's id");
        assert.ok(parentBuild.state.outputResources[0].amis[0].image === child.inputs.parentImage);
    });

    it("lets the child's build role read exactly its artifact prefix", () => {
        const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy").filter(policy => policy.name.endsWith("-read-artifacts"));
        assert.deepStrictEqual(
            policies.map(policy => policy.name),
            ["web-app-build-read-artifacts"],
        );
        const statement = JSON.parse(policies[0].inputs.policy).Statement;
        assert.deepStrictEqual(statement, [{ Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::team-artifacts/web-app/*"] }]);
    });

    it("records the parent's version in the child's lock entry, so a new parent version needs a new child version", async () => {
        const lock = generatedVersionLock({ ...readStackConfig("dev"), images: { ...devImages(), "web-app": WEB_APP } });
        const parentVersion = stackVersion("dev", "al2023-base");
        assert.strictEqual(lock["web-app@1.0.0"].recipe.parentImage, `al2023-base@${parentVersion}`);
        const images = devImages();
        const bumped = { ...images, "al2023-base": { ...images["al2023-base"], version: bumpVersion(parentVersion, "patch") }, "web-app": WEB_APP };
        const stale = { ...lock, ...generatedVersionLock({ ...readStackConfig("dev"), images: { ...images, "al2023-base": bumped["al2023-base"] } }) };
        const refused = await (await import("../helpers")).runProgram("dev", { config: { images: bumped }, versionLock: stale });
        assert.match(
            refused.error?.message ?? "",
            new RegExp(
                `the parent image \\(al2023-base@${escaped(parentVersion)} → al2023-base@${escaped(bumpVersion(parentVersion, "patch"))}: ` +
                    "a new parent version rebuilds its children\\) changed since web-app 1\\.0\\.0 was locked.*bump golden-ami:images\\.web-app\\.version",
            ),
        );
    });
});

describe("one image's change touches that image only", () => {
    it("a version bump of one image rebuilds it alone; the other images are unchanged", async () => {
        const images = devImages();
        const before = await runDev(images);
        const bumped = bumpVersion(stackVersion("dev", "al2023-base-arm64"), "patch");
        const after = await runDev({ ...images, "al2023-base-arm64": { ...images["al2023-base-arm64"], version: bumped } }, {}, before);
        const changes = diffRuns(before, after).filter(change => change.op !== "same");
        assert.ok(changes.length > 0);
        const names = Object.keys(images);
        const touched = new Set(
            changes.map(change =>
                names.find(
                    name =>
                        change.name.startsWith(`${name}-`) &&
                        !names.some(other => other.length > name.length && other.startsWith(name) && change.name.startsWith(`${other}-`)),
                ),
            ),
        );
        assert.deepStrictEqual([...touched], ["al2023-base-arm64"], changes.map(change => `${change.op} ${change.name}`).join("\n"));
        assert.deepStrictEqual(
            changesOf(changes, "replace", TYPES.image).map(change => change.name),
            ["al2023-base-arm64-image"],
        );
        const untouched = ofImage(after, "al2023-base", names);
        assert.ok(untouched.length > 10);
    });

    it("promoting (or rolling back) one image in prod moves that image's copies alone", async () => {
        const raw = readStackConfig("prod");
        const images = raw.images as Record<string, object>;
        const promoteFrom = raw.promoteFrom as { amiIds: Record<string, string> };
        const before = await runStack("prod");
        const after = await runStack("prod", {
            previous: before,
            config: {
                images: { ...images, "al2023-base": { ...images["al2023-base"], version: "1.4.1" } },
                promoteFrom: { ...promoteFrom, amiIds: { ...promoteFrom.amiIds, "al2023-base": "ami-0c0c0c0c0c0c14100" } },
            },
        });
        const moved = changesOf(diffRuns(before, after), "replace", TYPES.amiCopy);
        assert.strictEqual(moved.length, 4, "al2023-base in each of prod's four regions");
        assert.ok(
            moved.every(change => change.name.startsWith("al2023-base-") && !change.name.startsWith("al2023-base-arm64-")),
            moved.map(change => change.name).join(", "),
        );
        const templates = ofType(after, TYPES.launchTemplate);
        assert.ok(templates.length > 0 && templates.every(template => template.inputs.tagSpecifications[0].tags.Version === "1.4.1"));
    });
});

describe("fleets", () => {
    it("runs each fleet on its own image in each of its regions", async () => {
        const fleets = {
            "al2023-base": (readStackConfig("dev").fleets as Record<string, object>)["al2023-base"],
            arm: { image: "al2023-base-arm64", regions: ["us-west-2"], instanceTypes: ["m7g.large"] },
        };
        const run = await runDev(devImages(), { fleets });
        const templates = ofType(run, TYPES.launchTemplate);
        assert.strictEqual(templates.length, 2);
        for (const [image, region] of [
            ["al2023-base", "us-east-1"],
            ["al2023-base-arm64", "us-west-2"],
        ]) {
            const template = templates.find(candidate => candidate.region === region)!;
            assert.strictEqual(template.inputs.imageId, imageOutput(run, image).amiIds[region], `${template.name} runs ${image}`);
        }
        assert.strictEqual(templates.find(template => template.region === "us-west-2")!.inputs.instanceType, "m7g.large");
    });
});

describe("upgrading a single-image stack", () => {
    it("keeps its keys and public-sharing blocks in the state: the region's shared key aliases the image's old key", () => {
        const aliases = legacyAliases({ images: [{ name: "al2023-base" }] as never, homeRegion: "us-east-1", promoteFrom: undefined });
        const [home] = aliases.key("us-east-1") as Array<{ name: string; parent: pulumi.Input<string> }>;
        const [copy] = aliases.key("us-west-2") as Array<{ name: string; parent: pulumi.Input<string> }>;
        assert.strictEqual(home.name, "al2023-base-key");
        assert.strictEqual(copy.name, "al2023-base-us-west-2-key");
        assert.strictEqual(aliases.blockPublicSharing("us-west-2")[0].name, "al2023-base-us-west-2-sharing");
    });
});
