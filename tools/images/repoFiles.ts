// The repository's files as the commands see them: paths relative to its root, so tests can point
// the commands at a copy in a temporary directory.
import * as fs from "fs";
import * as path from "path";

export interface RepoFiles {
    /** Where paths are relative to; shown to the user in messages. */
    root: string;
    /** The file's text, or undefined when there is no such file. */
    read: (repoPath: string) => string | undefined;
    /** Creates the directories on the way. */
    write: (repoPath: string, contents: string) => void;
    /** The names of the files directly in a directory ("" for the root), sorted; none when it does not exist. */
    list: (repoDirectory: string) => string[];
}

export function repoFilesAt(root: string): RepoFiles {
    return {
        root,
        read: repoPath => {
            const file = path.join(root, repoPath);
            return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        },
        write: (repoPath, contents) => {
            const file = path.join(root, repoPath);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, contents);
        },
        list: repoDirectory => {
            const directory = path.join(root, repoDirectory);
            if (!fs.existsSync(directory)) return [];
            return fs
                .readdirSync(directory, { withFileTypes: true })
                .filter(entry => entry.isFile())
                .map(entry => entry.name)
                .sort();
        },
    };
}
