/**
 * An error a route handler throws to answer with a status and a message meant for the caller.
 * Anything else that escapes a handler is answered as a 500 without details.
 *
 * @example
 *   throw new HttpError(404, 'Gateway not found');
 */
export class HttpError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const unauthorized = (message: string): HttpError => new HttpError(401, message);
export const forbidden = (message: string): HttpError => new HttpError(403, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
