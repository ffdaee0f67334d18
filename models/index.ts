// The shipped catalog, loaded: for the tests, and for worker threads, which import a module and read a catalog
// from it synchronously (parallel exploration, the explorer's checks). The list itself is models/catalog.ts.
import type { AnyModel, Catalog, Comparison, Figure } from '../src/model/model';
import { loadCatalog } from '../src/model/catalog';
import { SHIPPED } from './catalog';

export const CATALOG: Catalog = await loadCatalog(SHIPPED);
export const MODELS: readonly AnyModel[] = CATALOG.models;
export const COMPARISONS: readonly Comparison[] = CATALOG.comparisons;
export const FIGURES: readonly Figure[] = CATALOG.figures;
