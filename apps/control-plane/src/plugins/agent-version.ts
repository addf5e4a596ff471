import { AGENT_VERSION_HEADER } from '@burrow/platform-api';
import type { FastifyRequest } from 'fastify';

/** What a version looks like: `burrow-gateway/0.1.0`, `burrow-relay/1.2.3-rc.1+abc`. */
const AGENT_VERSION = /^[A-Za-z0-9._+-]{1,40}\/[A-Za-z0-9._+-]{1,40}$/;

/**
 * The caller's x-burrow-agent-version, or undefined when it sent none or something else (the
 * value is shown on the console, so a gateway or relay cannot put arbitrary text there).
 */
export function agentVersionOf(request: FastifyRequest): string | undefined {
  const value = request.headers[AGENT_VERSION_HEADER];
  return typeof value === 'string' && AGENT_VERSION.test(value) ? value : undefined;
}
