import { CURSORS, DESCRIPTION_CODE_POINTS, HISTORY_PAGE, MEMBERS, PENDING, TEXT_CODE_POINTS, TITLE_CODE_POINTS, URL_LENGTH } from './limit-values.js';

/**
 * Limits shared by clients and servers. Servers may lower the rate limits
 * through their options; the size limits are part of protocol v1.
 */
export const LIMITS = {
  /** Largest frame, in UTF-8 bytes, that is parsed; larger frames get `frame_too_large`. */
  frameBytes: 16_384,
  /** Deepest nesting of arrays and objects in a client frame (`too_complex` beyond). */
  frameDepth: 8,
  /** Most items in one array or object of a client frame (`too_complex` beyond); `hello.cursors` is the largest. */
  frameItems: 2_000,
  /** Frames above this are never buffered: the socket is closed with 1009. */
  hardFrameBytes: 65_536,
  /** Text message and pin note length, in Unicode code points. */
  textCodePoints: TEXT_CODE_POINTS,
  titleCodePoints: TITLE_CODE_POINTS,
  descriptionCodePoints: DESCRIPTION_CODE_POINTS,
  reportReasonCodePoints: 500,
  urlLength: URL_LENGTH,
  /** People in one conversation, the sender included. */
  members: MEMBERS,
  /** Messages in one history page. */
  historyPage: HISTORY_PAGE,
  /** Messages replayed per conversation on resume before the client must page. */
  resumePage: 500,
  /** Conversations a client may name in `hello.cursors`. */
  cursors: CURSORS,
  /** Pending sends a client may name in `hello.pending`. */
  pending: PENDING,
} as const;

export const PROTOCOL_VERSION = 1;
