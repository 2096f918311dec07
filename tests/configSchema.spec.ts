import * as assert from "assert";
import { parse } from "yaml";
import * as fs from "fs";
import * as path from "path";
import { stackFileSchema } from "../components/configSchema";
import { staleFiles } from "../tools/release/configDocs";
import { REPO_ROOT } from "../tools/engine/stackFile";

describe("the config's JSON Schema and reference", () => {
    it("keeps schema/stack-config.schema.json and docs/configuration.md as the schema makes them (npm run config-docs)", () => {
        assert.deepStrictEqual(staleFiles(), []);
    });

    it("knows every key both stack files use, down to each image's and fleet's fields", () => {
        const config = (stackFileSchema().properties as any).config;
        let checked = 0;
        for (const stack of ["dev", "prod"]) {
            const file = fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
            assert.match(file.split("\n")[0], /^# yaml-language-server: \$schema=\.\/schema\/stack-config\.schema\.json$/, `${stack} wires the schema`);
            const values = parse(file).config;
            for (const [key, value] of Object.entries<any>(values)) {
                const schema = config.properties[key];
                assert.ok(schema, `${stack}: ${key} is in the schema`);
                checked++;
                if (key === "golden-ami:images" || key === "golden-ami:fleets") {
                    for (const entry of Object.values<any>(value)) {
                        for (const field of Object.keys(entry)) assert.ok(schema.additionalProperties.properties[field], `${stack}: ${key}.<name>.${field}`);
                    }
                }
            }
        }
        assert.ok(checked > 10);
    });

    it("closes every object of the stack file's config, so an editor flags a misspelt key at any depth", () => {
        const open: string[] = [];
        let objects = 0;
        type Node = { properties?: Record<string, Node>; additionalProperties?: boolean | Node; items?: Node };
        const visit = (key: string, schema: Node) => {
            if (schema.properties) {
                objects++;
                if (schema.additionalProperties !== false) open.push(key);
            }
            for (const [field, child] of Object.entries(schema.properties ?? {})) visit(`${key}.${field}`, child);
            if (typeof schema.additionalProperties === "object") visit(`${key}.<name>`, schema.additionalProperties);
            if (schema.items) visit(`${key}[]`, schema.items);
        };
        visit("config", (stackFileSchema().properties as Record<string, Node>).config);
        assert.ok(objects > 8, `only ${objects} objects`);
        assert.deepStrictEqual(open, []);
    });
});
