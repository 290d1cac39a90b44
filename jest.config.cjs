/** jest runs native ESM (the `webgpu` package is ESM-only): see ../shared/TESTING.md §2. */
module.exports = {
    testMatch: ["**/test/**/*.test.{ts,mjs}"],
    moduleFileExtensions: ["ts", "mjs", "js", "json", "wgsl"],
    testEnvironment: "node",
    extensionsToTreatAsEsm: [".ts", ".wgsl"],
    transform: {
        "^.+\\.ts$": ["ts-jest", { useESM: true }],
        "^.+\\.wgsl$": "<rootDir>/test/support/wgslTransform.cjs",
    },
    moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    testTimeout: 600000,
};
