/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/test/support/summary-line-reporter.js"],
  testTimeout: 60000,
};
