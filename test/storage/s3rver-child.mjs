// Runs s3rver 3 in its own process for tests and the benchmark. Two reasons
// it is not in-process: s3rver makes list continuation tokens with DES,
// which Node 17+ only offers under --openssl-legacy-provider, and the
// memory tests must measure the client's RSS without the server's.
//
// Usage: node --openssl-legacy-provider s3rver-child.mjs <directory> [bucket...]
// Prints one JSON line {"port":N} once listening; exits when stdin closes
// (so it cannot outlive its parent) or on SIGTERM.
import S3rver from 's3rver';

const [directory, ...buckets] = process.argv.slice(2);
if (!directory) {
  console.error('usage: s3rver-child.mjs <directory> [bucket...]');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
const addr = await server.run();
process.stdout.write(`${JSON.stringify({ port: addr.port })}\n`);

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await server.close().catch(() => undefined);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
