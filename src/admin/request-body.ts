import type { IncomingMessage } from 'node:http';

/** A request body that cannot be used, with the reason to answer 400 with. */
export class BadRequestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BadRequestError';
  }
}

/** The longest body an admin action reads: a reason fits many times over. */
const MAX_BODY_BYTES = 4096;

/** The longest reason an administrator may give, in characters. */
export const MAX_REASON_LENGTH = 200;

/**
 * The optional `reason` of an admin action, from a JSON body `{ "reason": "..." }`; an empty
 * body means no reason. Throws {@link BadRequestError} for anything else.
 */
export async function readReason(request: IncomingMessage): Promise<string> {
  const text = await readBody(request);
  if (text.trim() === '') return '';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError('the body is not valid JSON', { cause: error });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('the body must be a JSON object such as {"reason": "..."}');
  }
  const unknown = Object.keys(body).filter((key) => key !== 'reason');
  if (unknown.length > 0) throw new BadRequestError(`unknown field ${unknown.join(', ')}`);
  const reason = (body as { reason?: unknown }).reason;
  if (reason === undefined) return '';
  if (typeof reason !== 'string') throw new BadRequestError('reason must be a string');
  if (reason.length > MAX_REASON_LENGTH) {
    throw new BadRequestError(`reason is longer than ${MAX_REASON_LENGTH} characters`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(reason)) {
    throw new BadRequestError('reason may not hold control characters or newlines');
  }
  return reason;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequestError(`the body is larger than ${MAX_BODY_BYTES} bytes`));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
