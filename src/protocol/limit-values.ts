// The limits browser modules use, one constant each, so that a bundle carries
// only the numbers it uses rather than the whole LIMITS object (limits.ts
// builds LIMITS from these; the public API is LIMITS).

/** Text message and pin note length, in Unicode code points. */
export const TEXT_CODE_POINTS = 4_000;
export const TITLE_CODE_POINTS = 300;
export const DESCRIPTION_CODE_POINTS = 1_000;
export const URL_LENGTH = 2_048;
/** People in one conversation, the sender included. */
export const MEMBERS = 10;
/** Messages in one history page. */
export const HISTORY_PAGE = 200;
/** Conversations a client may name in `hello.cursors`. */
export const CURSORS = 2_000;
/** Pending sends a client may name in `hello.pending`. */
export const PENDING = 256;
