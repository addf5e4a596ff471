import { AuthError } from '@burrow/auth-methods';
import { CertificateError } from '@burrow/pki';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorKind } from '../domain/errors.ts';

/**
 * Every error answer has Infisical's shape: `{reqId, statusCode, error, message}`.
 *
 * - schema validation → 400 naming the field ("body/name must NOT have fewer than 1 characters")
 * - unparsable JSON → 400 "Request body is not valid JSON: …"
 * - a DomainError (domain/errors.ts) → its kind's status, its message and details
 * - AuthError (@burrow/auth-methods) → its status and message
 * - anything else → 500 "Internal server error" (details only in the log)
 */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

const STATUS_OF: Record<DomainErrorKind, number> = {
  'invalid-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'too-many-attempts': 429,
};

export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { statusCode, message, details } = describe(error);
  if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
  else {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    request.log.info(
      { statusCode, reason: message, ...(cause ? { cause } : {}) },
      'request refused',
    );
  }
  void reply.code(statusCode).send({
    reqId: request.id,
    statusCode,
    error: STATUS_TEXT[statusCode] ?? 'Error',
    message,
    ...details,
  });
}

interface ErrorAnswer {
  statusCode: number;
  message: string;
  details?: Readonly<Record<string, unknown>>;
}

function describe(error: FastifyError | Error): ErrorAnswer {
  if (error instanceof DomainError) {
    return { statusCode: STATUS_OF[error.kind], message: error.message, details: error.details };
  }
  if (error instanceof AuthError) return { statusCode: error.httpStatus, message: error.message };
  if (error instanceof CertificateError && error.code === 'INVALID_ARGUMENT') {
    return { statusCode: 400, message: error.message };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return { statusCode: 400, message: `Invalid request: ${fastifyError.message}` };
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return { statusCode: 400, message: `Request body is not valid JSON: ${error.message}` };
  }
  if (fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return {
      statusCode: 400,
      message: 'Request body is empty but Content-Type is application/json',
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { statusCode: status, message: error.message };
  }
  return { statusCode: 500, message: 'Internal server error' };
}
