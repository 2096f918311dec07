// Flag declarations: what a flag is called, what it takes, what it means and how its text becomes a
// value. A command lists its flags once; the parser, --help and the value checks all read that list.
import { didYouMean } from "./didYouMean";
import { UsageError } from "./exitCodes";

/** Each time the flag was given: its text, or `true` for a switch or an optional value left out. */
export type Occurrences = (string | true)[];

interface FlagShape {
    /** `<n>` for a flag that takes a value; none for a switch. */
    placeholder?: string;
    /** `--diff [<ref>]`: the value may be left out. */
    optionalValue?: boolean;
    description: string;
    /** May be given more than once (the values add up). */
    repeatable?: boolean;
    /** Not listed in --help (internal plumbing between processes). */
    hidden?: boolean;
    /** A one-letter alias, like "h". */
    short?: string;
}

export class Flag<T> {
    constructor(
        readonly shape: FlagShape,
        /** Turns what was typed into the value; throws UsageError naming the flag. */
        readonly convert: (occurrences: Occurrences, flag: string) => T,
    ) {}

    /** The flag must be given; `why` says what it is for in the error. */
    required(why?: string): Flag<Exclude<T, undefined>> {
        return new Flag(this.shape, (occurrences, flag) => {
            if (occurrences.length === 0) throw new UsageError(`${flag} is required${why ? `: ${why}` : ""}`);
            return this.convert(occurrences, flag) as Exclude<T, undefined>;
        });
    }

    /** The value when the flag is left out. */
    default<D>(value: D): Flag<Exclude<T, undefined> | D> {
        return new Flag(this.shape, (occurrences, flag) => (occurrences.length === 0 ? value : (this.convert(occurrences, flag) as Exclude<T, undefined>)));
    }

    hidden(): Flag<T> {
        return new Flag({ ...this.shape, hidden: true }, this.convert);
    }
}

export type FlagSet = Record<string, Flag<unknown>>;
export type FlagValues<F extends FlagSet> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

/** `launchedWithin` is typed as `--launched-within`. */
export function flagName(key: string): string {
    return `--${key.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`;
}

/** The single text a value flag was given, refusing it twice or empty. */
function once(occurrences: Occurrences, flag: string): string | undefined {
    if (occurrences.length === 0) return undefined;
    if (occurrences.length > 1) throw new UsageError(`${flag} is given ${times(occurrences.length)}: give it once`);
    const [text] = occurrences;
    if (text === true || text.trim() === "") throw new UsageError(`${flag} needs a value`);
    return text.trim();
}

function times(count: number): string {
    return count === 2 ? "twice" : `${count} times`;
}

function commaList(text: string, flag: string): string[] {
    const items = text
        .split(",")
        .map(item => item.trim())
        .filter(item => item !== "");
    if (items.length === 0) throw new UsageError(`${flag} needs at least one value, like ${flag} a,b`);
    return items;
}

export const flags = {
    /** On when given. */
    boolean(description: string): Flag<boolean> {
        return new Flag({ description }, occurrences => occurrences.length > 0);
    },

    /** Free text, trimmed; refused when empty. */
    text(placeholder: string, description: string): Flag<string | undefined> {
        return new Flag({ placeholder, description }, once);
    },

    /** Text checked and converted by `parse`, which throws UsageError with what was expected. */
    value<T>(placeholder: string, description: string, parse: (text: string, flag: string) => T): Flag<T | undefined> {
        return new Flag({ placeholder, description }, (occurrences, flag) => {
            const text = once(occurrences, flag);
            return text === undefined ? undefined : parse(text, flag);
        });
    },

    /** Comma-separated values; repeating the flag adds more. */
    list(placeholder: string, description: string): Flag<string[] | undefined> {
        return new Flag({ placeholder, description, repeatable: true }, (occurrences, flag) => {
            if (occurrences.length === 0) return undefined;
            return occurrences.flatMap(text => commaList(text === true ? "" : text, flag));
        });
    },

    /** A whole number of at least `min`. */
    wholeNumber(placeholder: string, description: string, min: number): Flag<number | undefined> {
        return flags.value(placeholder, description, (text, flag) => {
            if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${flag} must be a whole number of at least ${min}, got "${text}"`);
            return Number(text);
        });
    },

    /** One of a fixed set of words (case-insensitive when `ignoreCase`), with a did-you-mean. */
    oneOf<C extends string>(
        placeholder: string,
        description: string,
        choices: readonly C[],
        options: { ignoreCase?: boolean; note?: string } = {},
    ): Flag<C | undefined> {
        return flags.value(placeholder, description, (text, flag) => {
            const typed = options.ignoreCase ? text.toUpperCase() : text;
            const choice = choices.find(candidate => candidate === typed);
            if (choice === undefined) {
                throw new UsageError(
                    `${flag} must be one of ${choices.join(", ")}, got "${text}"${didYouMean(text, choices)}${options.note ? ` ${options.note}` : ""}`,
                );
            }
            return choice;
        });
    },

    /**
     * A flag whose value may be left out (`--diff`, `--diff main`, `--diff=main`): the word after it is
     * its value unless it starts with "-". `true` when given bare.
     */
    optionalValue(placeholder: string, description: string, parse: (text: string, flag: string) => string = text => text): Flag<string | true | undefined> {
        return new Flag({ placeholder, description, optionalValue: true }, (occurrences, flag) => {
            if (occurrences.length === 0) return undefined;
            if (occurrences.length > 1) throw new UsageError(`${flag} is given ${times(occurrences.length)}: give it once`);
            const [given] = occurrences;
            return given === true ? true : parse(given, flag);
        });
    },
};
