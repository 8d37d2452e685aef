import { main } from '../../shared/runtime/main.ts';
import { statusService } from './index.ts';

await main([statusService], (ports) => ports.status);
