const UNIQUE_VIOLATION = "23505";
const SERIALIZATION_FAILURE = "40001";
const DEADLOCK_DETECTED = "40P01";
const MAX_ATTEMPTS = 5;

function code(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string")
    return error.code;
  return undefined;
}

/**
 * Runs a transaction again when a concurrent one won a race: a duplicate business key inserted between our check
 * and our insert (the retry then finds it and answers as a duplicate), or a deadlock/serialization abort.
 */
export async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const c = code(error);
      if (
        attempt >= MAX_ATTEMPTS ||
        (c !== UNIQUE_VIOLATION && c !== SERIALIZATION_FAILURE && c !== DEADLOCK_DETECTED)
      )
        throw error;
    }
  }
}
