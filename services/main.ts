// All three services in one process on PORT: the embedded default for a first run.
import { main } from '../shared/runtime/main.ts';
import { allServices } from './all.ts';

await main(allServices, (ports) => ports.all);
