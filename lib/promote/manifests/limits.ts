/**
 * How much of a promoter tree is read. A pull request controls these files and the presubmit reads them, so every
 * read is bounded; the limits sit well above the real registry.k8s.io tree.
 */

/**
 * The largest promoter file read: 4 MiB. The largest real one, `k8s-staging-kubernetes/images.yaml`, is 0.9 MiB
 * (9,990 digests) and validates in about 0.2 s; a file of dense entries at the limit takes about 2.5 s and 150 MiB
 * (measured on the 2-core machine), where an unbounded 45 MB one took minutes and gigabytes.
 */
export const MAX_PROMOTER_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The most bytes read from one tree in all: 16 MiB, about five times the real registry.k8s.io tree. Parsed files
 * stay in memory (their positions are needed for later messages), so this bounds the loader's memory too.
 */
export const MAX_PROMOTER_TREE_BYTES = 16 * 1024 * 1024;
