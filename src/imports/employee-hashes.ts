import { employeeKeyHash } from "./read/find-repeats";

/**
 * The 64-bit hashes of a stored file's employee keys, sorted, kept beside the file in R2 (8 bytes
 * a line): a sync's preview counts whom it would deactivate without reading the file again.
 */
export const employeeHashesKey = (fileKey: string) => `employee-hashes/${fileKey}`;

/** The file and what is kept beside it, to delete together. */
export const storedKeysOf = (fileKey: string) => [fileKey, employeeHashesKey(fileKey)];

export async function storeEmployeeHashes(bucket: R2Bucket, fileKey: string, hashes: BigUint64Array): Promise<void> {
  await bucket.put(employeeHashesKey(fileKey), hashes);
}

/** The sorted hashes of a file's employee keys; null for a file uploaded before they were kept. */
export async function readEmployeeHashes(bucket: R2Bucket, fileKey: string): Promise<BigUint64Array | null> {
  const object = await bucket.get(employeeHashesKey(fileKey));
  if (!object) return null;
  return new BigUint64Array(await object.arrayBuffer());
}

/** Whether the file has this employee key, by its hash: a binary search of the sorted hashes. */
export function fileHasEmployee(hashes: BigUint64Array, employeeKey: string): boolean {
  const wanted = employeeKeyHash(employeeKey);
  let low = 0;
  let high = hashes.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const h = hashes[mid] ?? 0n;
    if (h === wanted) return true;
    if (h < wanted) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}
