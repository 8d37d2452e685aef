import { main } from '../../shared/runtime/main.ts';
import { demoService } from '../demo/index.ts';
import { actionsService } from './index.ts';

// The demo pages (when DEMO is on) come with the actions service: see services/demo/index.ts.
await main([actionsService, demoService], (ports) => ports.actions);
