import { main } from '../../shared/runtime/main.ts';
import { configService } from './index.ts';

await main([configService], (ports) => ports.config);
