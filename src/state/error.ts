/** An error frame from the server, as a rejected promise's reason. */
export class ChatError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** For `rate_limited`: how long the server asked to wait, in ms. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}
