// Preloaded (node --require) into each run a `grok --suite` starts: ends the run when the suite
// that started it is gone. A suite killed with SIGKILL cannot stop its children, and a resumed
// suite would then race them for the same run directory. SIGTERM takes the CLI's own path (main.ts
// stops the worker; a resumable run keeps OUT.partial for --resume). The CLI computes in a worker,
// so this main-thread timer runs while it does.
import { isMainThread } from 'node:worker_threads';

const suite = Number(process.env.CONVEXFORMER_SUITE_PID);
if (isMainThread && suite > 0) {
  setInterval(() => {
    if (process.ppid !== suite) process.kill(process.pid, 'SIGTERM');
  }, 200).unref();
}
