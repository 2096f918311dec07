// The installed aws provider's resource types and the inputs each takes, read from the package itself (its
// JavaScript modules name each type, its declarations list each type's inputs and their nested input types), so a
// provider upgrade that adds a way to make, copy, share or launch images is seen by the tests without anyone listing it.
import * as fs from "fs";
import * as path from "path";

const PROVIDER_DIR = path.dirname(require.resolve("@pulumi/aws/package.json"));

/** Inputs that take an image id, a snapshot id, a launch template, or image and snapshot sharing settings. */
export const IMAGE_INPUTS = new RegExp(
    "^(" +
        [
            "ami",
            "amiId",
            "amiType",
            "customAmiId",
            "imageId",
            "imageIds",
            "imageIdOverride",
            "sourceAmiId",
            "parentImage",
            "imageLocation",
            "snapshotId",
            "snapshotIds",
            "sourceSnapshotId",
            "launchTemplate",
            "launchTemplateId",
            "launchTemplateName",
            "launchTemplateConfigs",
            "launchTemplateSpecification",
            "instanceLaunchTemplate",
            "launchTemplateConfigurations",
            "launchPermission",
            "createVolumePermission",
            "targetAccountIds",
            "shareRule",
            "shareRules",
            "crossRegionCopyRule",
            "crossRegionCopyRules",
            "crossRegionCopies",
            "copyAction",
            "copyActions",
        ].join("|") +
        ")$",
);

export interface ProviderType {
    type: string;
    /** Input paths (e.g. `launchTemplateConfigs.launchTemplateSpecification`) that match IMAGE_INPUTS. */
    imageInputs: string[];
}

type Props = Array<[name: string, type: string]>;

/** The nested input types in `types/input.d.ts`, by `namespace.Name`, with their properties. */
function inputTypes(): Map<string, Props> {
    const types = new Map<string, Props>();
    const namespaces: string[] = [];
    let current: { props: Props; indent: number } | undefined;
    for (const line of fs.readFileSync(path.join(PROVIDER_DIR, "types", "input.d.ts"), "utf8").split("\n")) {
        const namespace = /^(\s*)(?:export declare )?namespace (\w+) \{$/.exec(line);
        if (namespace) {
            namespaces.length = namespace[1].length / 4;
            namespaces.push(namespace[2]);
            continue;
        }
        const declared = /^(\s*)(?:export )?interface (\w+) \{$/.exec(line);
        if (declared) {
            current = { props: [], indent: declared[1].length };
            types.set([...namespaces.slice(0, declared[1].length / 4), declared[2]].join("."), current.props);
            continue;
        }
        if (!current) continue;
        const property = /^(\s*)(\w+)\??: (.*);$/.exec(line);
        if (property && property[1].length === current.indent + 4) current.props.push([property[2], property[3]]);
        else if (line === `${" ".repeat(current.indent)}}`) current = undefined;
    }
    return types;
}

/** Every resource type of the installed provider, with its inputs that match IMAGE_INPUTS (at any depth up to five). */
export function providerTypes(): ProviderType[] {
    const nested = inputTypes();
    const found: ProviderType[] = [];
    for (const module of fs.readdirSync(PROVIDER_DIR)) {
        const dir = path.join(PROVIDER_DIR, module);
        if (module === "types" || module === "node_modules" || !fs.statSync(dir).isDirectory()) continue;
        for (const file of fs.readdirSync(dir)) {
            if (!file.endsWith(".js") || file === "index.js") continue;
            const type = /static __pulumiType = '([^']+)'/.exec(fs.readFileSync(path.join(dir, file), "utf8"))?.[1];
            if (!type) continue;
            const declarations = fs.readFileSync(path.join(dir, file.replace(/\.js$/, ".d.ts")), "utf8");
            const args = /\nexport interface \w+Args \{\n([\s\S]*?)\n\}/.exec(declarations);
            const props: Props = args ? [...args[1].matchAll(/^ {4}(\w+)\??: (.*);$/gm)].map(match => [match[1], match[2]]) : [];
            const imageInputs: string[] = [];
            const walk = (list: Props, at: string, seen: Set<string>) => {
                for (const [name, typeText] of list) {
                    const field = at ? `${at}.${name}` : name;
                    if (IMAGE_INPUTS.test(name)) imageInputs.push(field);
                    if (seen.size >= 5) continue;
                    for (const reference of typeText.matchAll(/inputs\.([\w.]+)/g)) {
                        const inner = nested.get(reference[1]);
                        if (inner && !seen.has(reference[1])) walk(inner, field, new Set([...seen, reference[1]]));
                    }
                }
            };
            walk(props, "", new Set());
            found.push({ type, imageInputs });
        }
    }
    return found;
}
