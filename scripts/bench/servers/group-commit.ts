// Group commit: items arriving close together are written by one call, and each caller's promise settles
// with that write. A batch goes when it is full or when its first item has waited `gatherMs`; batches can
// overlap, one gathering while earlier ones are being written.

export interface GroupCommitOptions<Item, Result> {
  gatherMs: number;
  maxItems: number;
  /** Writes one batch; answers one result per item, in order. */
  commit(items: Item[]): Promise<Result[]>;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export function createGroupCommit<Item, Result>(
  options: GroupCommitOptions<Item, Result>,
): (item: Item) => Promise<Result> {
  let gathering: Array<Waiting<Item, Result>> = [];
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = gathering;
    gathering = [];
    options.commit(batch.map((waiting) => waiting.item)).then(
      (results) => batch.forEach((waiting, i) => waiting.resolve(results[i]!)),
      (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
    );
  };

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      gathering.push({ item, resolve, reject });
      if (gathering.length >= options.maxItems) flush();
      else timer ??= setTimeout(flush, options.gatherMs);
    });
}
