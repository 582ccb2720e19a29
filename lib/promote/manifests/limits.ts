/**
 * How much of a promoter tree is read. A pull request controls these files and the presubmit reads them, so every
 * read is bounded; the limits sit well above the real registry.k8s.io tree.
 */

/**
 * The largest promoter file read: 4 MiB. The largest real one, `k8s-staging-kubernetes/images.yaml`, is 0.9 MiB
 * (9,990 digests); parsing costs about 0.2 s and 50 MB per MiB, so a file at the limit stays under a second.
 */
export const MAX_PROMOTER_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The most bytes read from one tree in all: 32 MiB, about ten times the real registry.k8s.io tree. Parsed files
 * stay in memory (their positions are needed for later messages), so this bounds the loader's memory too.
 */
export const MAX_PROMOTER_TREE_BYTES = 32 * 1024 * 1024;
