// The catalog's ETag cache: the last body seen per URL and language, so a revalidation that
// answers 304 costs no body. Bounded in entries (least recently used go first) and in the size
// of one body.

export interface CachedBody {
  etag: string;
  body: string;
  contentType: string;
}

export class EtagCache {
  private readonly entries = new Map<string, CachedBody>();

  constructor(
    readonly maxEntries: number,
    readonly maxBodyBytes: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedBody | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: CachedBody): void {
    this.entries.delete(key);
    // String length counts UTF-16 units: at most 3 UTF-8 bytes each, so this bounds the bytes.
    if (this.maxEntries < 1 || entry.body.length * 3 > this.maxBodyBytes) return;
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
