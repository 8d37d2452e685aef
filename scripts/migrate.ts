// npm run migrate [-- up|down [count]]: applies or rolls back migrations on the configured database.
import { loadConfig } from '../shared/config/env.ts';
import { openDatabase } from '../shared/db/open.ts';
import { migrate } from '../shared/db/migrations.ts';
import { createLogger } from '../shared/log/logger.ts';
import { operatorMessage } from '../shared/runtime/operator-message.ts';

const [direction = 'up', countArg] = process.argv.slice(2);
if (direction !== 'up' && direction !== 'down') {
  console.error('usage: npm run migrate -- [up|down] [count]');
  process.exit(2);
}
const count = countArg === undefined ? undefined : Number.parseInt(countArg, 10);

try {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config.database, log);
  try {
    const ran = await migrate(db, direction, count);
    console.log(ran.length === 0 ? 'nothing to do' : `${direction}: ${ran.map((m) => m.name).join(', ')}`);
  } finally {
    await db.close();
  }
} catch (err) {
  // What an operator can fix is one line; anything else is a bug and keeps its stack.
  console.error(operatorMessage(err) ?? err);
  process.exit(1);
}
