// Prints every library check's result as JSON: the child process behind libraryResultsSync().
import { libraryResults } from './library-checks';

process.stdout.write(JSON.stringify(await libraryResults()));
