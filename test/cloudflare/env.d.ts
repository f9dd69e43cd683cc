// `env` from cloudflare:test has the worker's bindings and settings.
import type { Env } from '../../server/cloudflare/worker/env.js';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}

type WorkerEnv = Env;
