import { main } from '../../shared/runtime/main.ts';
import { actionsService } from './index.ts';

await main([actionsService], (ports) => ports.actions);
