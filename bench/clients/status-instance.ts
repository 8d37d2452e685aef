// One status-service instance as its own process, built as services/status/main.ts builds it
// (logs at warn), for the scale scenario. Prints `LISTENING <http-url>`; exits when its parent
// disconnects the IPC channel.
import { startBenchStatusServer } from '../harness/status-server.ts';

const databaseUrl = process.argv[2];
if (!databaseUrl) {
  console.error('usage: status-instance <database-url>');
  process.exit(2);
}
const server = await startBenchStatusServer(databaseUrl);
console.log(`LISTENING ${server.url}`);
