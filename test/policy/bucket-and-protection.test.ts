import { bucketHygiene } from "../../policy/bucket-hygiene";
import { protectedResources } from "../../policy/protected-resources";
import { violationsOf } from "./validation-args";

const BUCKET = "gcp:storage/bucket:Bucket";
const PROJECT = "gcp:organizations/project:Project";
const lifecycleRules = [{ action: { type: "Delete" }, condition: { age: 60 } }];

describe("bucket-uniform-access-and-lifecycle", () => {
  test("passes a bucket with uniform access and a lifecycle rule, and ignores other types", async () => {
    expect(await violationsOf(bucketHygiene, { type: BUCKET, name: "b", props: { uniformBucketLevelAccess: true, lifecycleRules } })).toEqual([]);
    expect(await violationsOf(bucketHygiene, { type: PROJECT, name: "p", props: {} })).toEqual([]);
  });

  test.each([
    [{ uniformBucketLevelAccess: false, lifecycleRules }, ["the bucket must set uniformBucketLevelAccess: true"]],
    [{ lifecycleRules }, ["the bucket must set uniformBucketLevelAccess: true"]],
    [{ uniformBucketLevelAccess: true, lifecycleRules: [] }, ["the bucket must declare at least one lifecycle rule"]],
    [
      {},
      ["the bucket must set uniformBucketLevelAccess: true", "the bucket must declare at least one lifecycle rule"],
    ],
  ])("reports %j", async (props, expected) => {
    expect(await violationsOf(bucketHygiene, { type: BUCKET, name: "b", props })).toEqual(expected);
  });
});

describe("projects-and-buckets-protected", () => {
  test.each([
    [PROJECT, { deletionPolicy: "PREVENT" }],
    [BUCKET, { forceDestroy: false }],
    [BUCKET, {}],
  ])("passes a protected %s %j", async (type, props) => {
    expect(await violationsOf(protectedResources, { type, name: "r", props, protect: true })).toEqual([]);
  });

  test("ignores other types, protected or not", async () => {
    expect(await violationsOf(protectedResources, { type: "gcp:projects/service:Service", name: "s", props: {} })).toEqual([]);
  });

  test.each([
    [PROJECT, { deletionPolicy: "PREVENT" }, false, ["the project must set the resource option protect: true"]],
    [PROJECT, { deletionPolicy: "DELETE" }, true, ['the project must set deletionPolicy: "PREVENT"']],
    [PROJECT, {}, true, ['the project must set deletionPolicy: "PREVENT"']],
    [BUCKET, { forceDestroy: false }, false, ["the bucket must set the resource option protect: true"]],
    [
      BUCKET,
      { forceDestroy: true },
      false,
      ["the bucket must set the resource option protect: true", "the bucket must not set forceDestroy: true"],
    ],
  ])("reports %s %j protect=%s", async (type, props, protect, expected) => {
    expect(await violationsOf(protectedResources, { type, name: "r", props, protect })).toEqual(expected);
  });
});
