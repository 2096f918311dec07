// Lint for the program, components, policy pack, tools and tests: eslint's and typescript-eslint's
// recommended rules, tuned to how this code is written (see docs/development.md).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "**/node_modules/", "bin/", "policy/bin/", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            // Mock and analyzer payloads are untyped JSON; `any` there is a deliberate boundary.
            "@typescript-eslint/no-explicit-any": "warn",
            // tsconfig's noUnusedLocals/noUnusedParameters already refuse these; `_name` marks one kept on purpose.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
            // `require` is how a test loads an entry point by path, and how the bench's child reads a file.
            "@typescript-eslint/no-require-imports": "warn",
            "@typescript-eslint/no-non-null-assertion": "off",
            "no-constant-condition": ["error", { checkLoops: false }],
            "prefer-const": "error",
            eqeqeq: ["error", "always"],
            // Escaped "/" and spaces in patterns read better next to the paths and tables they match.
            "no-useless-escape": "warn",
            "no-regex-spaces": "off",
            // The config's invisible-character check lists combining marks in a class on purpose.
            "no-misleading-character-class": "warn",
        },
    },
    {
        files: ["tests/**/*.ts"],
        rules: {
            // Mocha's `this.timeout()` needs `function` callbacks; assertions on `!` values are the point of a test.
            "@typescript-eslint/no-unused-expressions": "off",
        },
    },
);
