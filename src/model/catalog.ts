// A catalog as the command line sees it: ids, titles and loaders, so that a command loads only the models it
// runs (`distcheck list` and `--help` stay fast) and the figures that drive npm libraries can live in a
// catalog of their own (the repository's lab) that the installed package never loads.
import type { AnyModel, Catalog, Comparison, Figure } from './model';

/** One loadable item of a catalog. */
export interface CatalogEntry<T> {
  readonly id: string;
  readonly title: string;
  readonly load: () => Promise<T>;
}

export interface LazyCatalog {
  readonly models: readonly CatalogEntry<AnyModel>[];
  readonly comparisons: () => Promise<readonly Comparison[]>;
  readonly figures: readonly CatalogEntry<Figure>[];
}

/** Loads the entries, checking that each loaded item has the id its entry promised. */
export async function loadEntries<T extends { readonly id: string }>(entries: readonly CatalogEntry<T>[]): Promise<T[]> {
  const items = await Promise.all(entries.map((e) => e.load()));
  items.forEach((item, i) => {
    if (item?.id !== entries[i].id) throw new Error(`catalog entry '${entries[i].id}' loaded '${item?.id}'`);
  });
  return items;
}

/** Everything in the catalog, loaded. */
export async function loadCatalog(c: LazyCatalog): Promise<Catalog> {
  const [models, comparisons, figures] = await Promise.all([loadEntries(c.models), c.comparisons(), loadEntries(c.figures)]);
  return { models, comparisons, figures };
}
