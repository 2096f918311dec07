// A command is declared once: its name, what it does, its flags and its run function. From that
// declaration come the parser (commander), --help, did-you-mean on unknown flags and commands, the
// value checks, and exit code 2 on any misuse. A program with subcommands is a command with `commands`.
import { Command, CommanderError, Option } from "commander";
import { ExitCode, UsageError } from "./exitCodes";
import { Flag, FlagSet, flagName, FlagValues, Occurrences } from "./flags";

/** Where a command writes: results on stdout, everything else on stderr (one call per line or block). */
export interface Output {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

interface Described {
    /** The word typed for it (`prune`), or for a program how it is run (`npm run images --`). */
    name: string;
    /** One line: shown in the parent's list of commands. */
    summary: string;
    /** More, shown in its own --help under the usage line. */
    description?: string;
    /** Shown at the end of its --help: exit codes, examples. */
    footer?: string;
}

/** A command that runs: flags in, exit code out. `C` is what the program hands every command (clients, clock, files). */
export interface LeafSpec<F extends FlagSet, C> extends Described {
    flags: F;
    /** Rules between flags (`--force` needs `--reason`); throws UsageError. */
    check?: (values: FlagValues<F>) => void;
    run: (values: FlagValues<F>, context: C, output: Output) => Promise<number> | number;
}

/** A declared command, its flag types erased so commands of one program can share a list. */
export interface CommandSpec<C> extends Described {
    flags?: FlagSet;
    check?: (values: Record<string, unknown>) => void;
    run?: (values: Record<string, unknown>, context: C, output: Output) => Promise<number> | number;
    /** Subcommands: then this command only dispatches. */
    commands?: CommandSpec<C>[];
    /** How the usage line shows the arguments (default "[flags]", or "<command> [flags]"). */
    usage?: string;
}

/** Declares a command that runs; the run function sees its flags' values with their types. */
export function defineCommand<F extends FlagSet, C>(spec: LeafSpec<F, C>): CommandSpec<C> {
    return spec as unknown as CommandSpec<C>;
}

/** Declares a program whose commands are subcommands: `npm run images -- <command> [flags]`. */
export function defineProgram<C>(spec: Described & { commands: CommandSpec<C>[] }): CommandSpec<C> {
    return { usage: "<command> [flags]", ...spec };
}

/** Every runnable command of a program with the words that reach it (`["prune"]`), for tests and docs. */
export function leafCommands<C>(program: CommandSpec<C>, path: string[] = []): { path: string[]; spec: CommandSpec<C> }[] {
    if (!program.commands) return [{ path, spec: program }];
    return program.commands.flatMap(command => leafCommands(command, [...path, command.name]));
}

/** How a program is run, for messages: `npm run images --`. */
function invocationOf(names: string[]): string {
    return names.join(" ");
}

/** Where commander stopped: the command's words, its declaration and its parent's. */
interface Failure<C> {
    names: string[];
    spec: CommandSpec<C>;
    parent?: CommandSpec<C>;
}

interface ParseResult<C> {
    spec: CommandSpec<C>;
    path: string[];
    values: Record<string, unknown>;
}

/** The flags of the sibling commands, to say where a misplaced flag belongs. */
function siblingsDeclaring<C>(parent: CommandSpec<C> | undefined, flag: string): string[] {
    return (parent?.commands ?? []).filter(command => Object.keys(command.flags ?? {}).some(key => flagName(key) === flag)).map(command => command.name);
}

const HELP_WIDTH = 100;

/** The commander tree for a declaration; `found` receives the command that matched, with its raw flags. */
function toCommander<C>(
    spec: CommandSpec<C>,
    output: Output,
    found: (result: Omit<ParseResult<C>, "values"> & { raw: Record<string, Occurrences> }) => void,
    failedIn: (failure: Failure<C>) => void,
    names: string[] = [],
    parent?: CommandSpec<C>,
    parentFooter?: string,
): Command {
    const command = new Command(spec.name);
    const path = [...names, spec.name];
    command
        .optionsGroup("Flags:")
        .summary(spec.summary)
        .description(spec.description ? `${spec.summary}\n\n${spec.description}` : spec.summary)
        .usage(spec.usage ?? (spec.commands ? "<command> [flags]" : "[flags]"))
        .helpOption("-h, --help", "show this help")
        .configureHelp({ helpWidth: HELP_WIDTH, sortSubcommands: false, sortOptions: false, subcommandTerm: sub => sub.name(), optionTerm: termOf })
        .configureOutput({
            writeOut: text => output.stdout(text.replace(/\n$/, "")),
            writeErr: text => output.stderr(text.replace(/\n$/, "")),
            outputError: () => undefined,
        })
        .exitOverride(error => {
            failedIn({ names: path, spec, parent });
            throw error;
        })
        .allowExcessArguments(true);
    // A command's help ends with its own footer, then the program's (the exit codes).
    const footers = [spec.footer, ...(names.length > 0 ? [parentFooter] : [])].filter(text => text !== undefined);
    if (footers.length > 0) command.addHelpText("after", `\n${footers.join("\n\n")}`);
    for (const [key, flag] of Object.entries(spec.flags ?? {})) command.addOption(optionFor(key, flag));
    if (spec.commands) {
        command.helpCommand("help [command]", "show the help of a command");
        for (const sub of spec.commands) command.addCommand(toCommander(sub, output, found, failedIn, path, spec, spec.footer));
    } else {
        command.action(() => {
            // From here on, errors are about this command's flags.
            failedIn({ names: path, spec, parent });
            if (command.args.length > 0) {
                throw new UsageError(`unexpected argument "${command.args[0]}": ${shortName(spec)} takes flags only, and flags start with --`);
            }
            const raw = command.opts() as Record<string, Occurrences>;
            found({ spec, path: names.length === 0 ? [] : path.slice(1), raw });
        });
    }
    return command;
}

/** `plan` for `npm run plan --`, `prune` for `prune`. */
function shortName(spec: Described): string {
    return spec.name.replace(/^npm run (\S+) --$/, "$1");
}

function termOf(option: Option): string {
    return option.flags.replace(/^-h, --help$/, "--help");
}

/** What commander hands an optional-value flag given without its value. */
const BARE = "\u0000bare";

function optionFor(key: string, flag: Flag<unknown>): Option {
    const { placeholder, optionalValue, description, hidden, short } = flag.shape;
    const long = flagName(key);
    const value = placeholder === undefined ? "" : optionalValue ? ` [${placeholder.replace(/^<(.*)>$/, "$1")}]` : ` ${placeholder}`;
    const option = new Option(`${short ? `-${short}, ` : ""}${long}${value}`, description);
    // Every occurrence is kept as typed; the declaration's convert turns them into the value.
    option.argParser((text: string | undefined, previous: Occurrences | undefined): Occurrences => [
        ...(previous ?? []),
        text === undefined || text === BARE ? true : text,
    ]);
    if (optionalValue) option.preset(BARE);
    if (hidden) option.hideHelp();
    if (option.attributeName() !== key) throw new Error(`flag key ${key} must be the camel case of ${long}`);
    return option;
}

/** Parses argv for a program; throws UsageError or CommanderError. Returns "done" when help was printed. */
function parse<C>(program: CommandSpec<C>, argv: string[], output: Output, onFail: (failure: Failure<C>) => void): ParseResult<C> {
    let result: ParseResult<C> | undefined;
    const root = toCommander(
        program,
        output,
        ({ spec, path, raw }) => {
            const values: Record<string, unknown> = {};
            for (const [key, flag] of Object.entries(spec.flags ?? {})) {
                values[key] = flag.convert(raw[key] ?? [], flagName(key));
            }
            spec.check?.(values);
            result = { spec, path, values };
        },
        onFail,
    );
    root.parse(argv, { from: "user" });
    if (!result) throw new Error(`${program.name}: no command ran for ${argv.join(" ")}`);
    return result;
}

/** Parses argv without running anything: the command reached and its flags' values. Throws UsageError on misuse. */
export function parseCommandLine<C>(program: CommandSpec<C>, argv: string[]): ParseResult<C> | "help" {
    const discard: Output = { stdout: () => undefined, stderr: () => undefined };
    let failure: Failure<C> = { names: [program.name], spec: program };
    try {
        return parse(program, argv, discard, at => {
            failure = at;
        });
    } catch (error) {
        if (error instanceof CommanderError) {
            if (error.code === "commander.helpDisplayed" || error.code === "commander.help") return "help";
            throw new UsageError(explainCommanderError(error, failure));
        }
        throw error;
    }
}

/**
 * Runs a program: parses argv, prints help (exit 0) or a usage error with did-you-mean and how to get
 * help (exit 2), else runs the command reached. UsageErrors the command throws exit 2 too.
 */
export async function runCommandLine<C>(program: CommandSpec<C>, argv: string[], output: Output, context: C): Promise<number> {
    let failedAt: Failure<C> = { names: [program.name], spec: program };
    let parsed: ParseResult<C>;
    try {
        parsed = parse(program, argv, output, at => {
            failedAt = at;
        });
    } catch (error) {
        if (error instanceof CommanderError) {
            if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
            // `help <command>` asked for it (exit 0); `npm run images` with no command got it on stderr (exit 2).
            if (error.code === "commander.help") return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
            return usageFailure(explainCommanderError(error, failedAt), failedAt, output);
        }
        if (error instanceof UsageError) return usageFailure(error.message, failedAt, output);
        throw error;
    }
    const names = [program.name, ...parsed.path];
    try {
        return await parsed.spec.run!(parsed.values, context, output);
    } catch (error) {
        if (error instanceof UsageError) return usageFailure(error.message, { names, spec: parsed.spec }, output);
        throw error;
    }
}

/** Commander's message in our words: the flag and the command it was given to, and where it belongs. */
function explainCommanderError<C>(error: CommanderError, { spec, parent }: Failure<C>): string {
    const message = error.message.replace(/^error: /, "").replace(/\n\(Did you mean (.*)\?\)$/, " (did you mean $1?)");
    const where = parent ? ` for ${spec.name}` : "";
    const unknownFlag = /^unknown option '(-[^'=]+)[^']*'(.*)$/.exec(message);
    if (unknownFlag) {
        const [, flag, suggestion] = unknownFlag;
        const owners = siblingsDeclaring(parent, flag);
        if (owners.length > 0 && suggestion === "") return `${flag} does not apply to ${spec.name}; it is a flag of ${owners.join(", ")}`;
        return `unknown flag ${flag}${where}${suggestion}`;
    }
    const unknownCommand = /^unknown command '([^']*)'(.*)$/.exec(message);
    if (unknownCommand) {
        return `unknown command "${unknownCommand[1]}"${unknownCommand[2]}: expected one of ${(spec.commands ?? []).map(command => command.name).join(", ")}`;
    }
    return message;
}

function usageFailure<C>(message: string, { names, spec }: Failure<C>, output: Output): number {
    output.stderr(`error: ${message}`);
    output.stderr(`Usage: ${invocationOf(names)} ${spec.usage ?? (spec.commands ? "<command> [flags]" : "[flags]")}`);
    output.stderr(`Run \`${invocationOf(names)} --help\` for ${spec.commands ? "the commands and flags" : "the flags"}.`);
    return ExitCode.usage;
}

/** Writes to the process's stdout and stderr, a line per call. */
/**
 * A reader that stops early (`| head`, a closed pager) closes the pipe: that ends the command quietly,
 * as it does for any Unix tool, instead of an EPIPE stack trace.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
    stream.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
        throw error;
    });
}

export const processOutput: Output = {
    stdout: text => {
        process.stdout.write(`${text}\n`);
    },
    stderr: text => {
        process.stderr.write(`${text}\n`);
    },
};

/**
 * Runs a program as the process's entry point: its exit code becomes the process's; an error the
 * command did not expect is printed as one line (no stack trace) and exits 1.
 */
export function runMain<C>(program: CommandSpec<C>, context: C, argv: string[] = process.argv.slice(2), output: Output = processOutput): Promise<void> {
    endQuietlyOnClosedPipe(process.stdout);
    return runCommandLine(program, argv, output, context).then(
        code => {
            process.exitCode = code;
        },
        (error: unknown) => {
            output.stderr(`error: ${error instanceof Error ? error.message : String(error)}`);
            process.exitCode = ExitCode.failed;
        },
    );
}
