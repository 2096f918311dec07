// Pins a promotion in a stack file's text. Edits the YAML document in place (yaml's Document API), so
// comments, key order and layout survive; only the pinned values change. Pure: text in, text out.
import { isMap, isScalar, parseDocument } from "yaml";
import { PROJECT } from "../../../components/config";
import { UsageError } from "../options";

export interface Pin {
    /** The image of golden-ami:images pinned. */
    image: string;
    version: string;
    amiId: string;
    /** The building stack's home region; written only when it differs from promoteFrom.region. */
    region: string;
    /** The building stack: its lifecycle keeps the pinned AMI while it is pinned. */
    stack: string;
}

export function pinPromotion(text: string, pin: Pin, fileName: string): string {
    const document = parseDocument(text);
    if (document.errors.length > 0) {
        throw new UsageError(`${fileName} is not valid YAML: ${document.errors[0].message}`);
    }
    const image = [`config`, `${PROJECT}:images`, pin.image];
    const promoteFrom = [`config`, `${PROJECT}:promoteFrom`];
    for (const path of [image, promoteFrom]) {
        if (!isMap(document.getIn(path, true))) {
            throw new UsageError(
                `${fileName} has no ${path.slice(1).join(".")} map under config; add it (see the committed Pulumi.prod.yaml) and promote again`,
            );
        }
    }
    setScalar(document, [...image, "version"], pin.version);
    setScalar(document, [...promoteFrom, "amiIds", pin.image], pin.amiId);
    if (document.getIn([...promoteFrom, "region"]) !== pin.region) setScalar(document, [...promoteFrom, "region"], pin.region);
    if (document.getIn([...promoteFrom, "stack"]) !== pin.stack) setScalar(document, [...promoteFrom, "stack"], pin.stack);
    return document.toString();
}

/** Changes the value of the node that is there (keeping its quoting and comments), or adds one. */
function setScalar(document: ReturnType<typeof parseDocument>, path: string[], value: string): void {
    const node = document.getIn(path, true);
    if (isScalar(node)) node.value = value;
    else document.setIn(path, value);
}
