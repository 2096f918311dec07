// The shared command framework: declare a command's flags once; parsing, --help, did-you-mean and
// exit codes come from the declaration.
export { defineCommand, defineProgram, endQuietlyOnClosedPipe, leafCommands, parseCommandLine, processOutput, runCommandLine, runMain } from "./command";
export type { CommandSpec, LeafSpec, Output } from "./command";
export { closest, didYouMean } from "./didYouMean";
export { ExitCode, UsageError } from "./exitCodes";
export { Flag, flagName, flags } from "./flags";
export type { FlagSet, FlagValues } from "./flags";
