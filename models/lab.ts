// The repository's lab: the shipped catalog plus the figures that need more than distcheck (npm libraries
// driven by the models, the random-walk coverage study). `npm run check` reports on this catalog
// (scripts/lab.mjs); the installed package never loads it, and its libraries are devDependencies.
import type { Catalog } from '../src/model/model';
import { loadCatalog, type LazyCatalog } from '../src/model/catalog';
import { SHIPPED } from './catalog';

export const LAB: LazyCatalog = {
  ...SHIPPED,
  figures: [
    ...SHIPPED.figures,
    {
      id: 'governance-libraries',
      title: 'Circuit breakers and rate limiters from npm against the models',
      load: async () => (await import('./governance/governance-libraries')).governanceLibrariesFigure,
    },
    {
      id: 'walk-coverage',
      title: 'How good are the random walks? State coverage and walks to catch each bug',
      load: async () => (await import('./commit/walk-coverage')).walkCoverageFigure,
    },
  ],
};

/** The lab, loaded (for the report's drift test). */
export const loadLab = (): Promise<Catalog> => loadCatalog(LAB);
