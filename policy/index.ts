// The golden-ami policy pack. Constructing a PolicyPack starts the analyzer's gRPC server, so nothing
// else lives here: the policies are in ./policies, where the tests import them.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, { policies });
