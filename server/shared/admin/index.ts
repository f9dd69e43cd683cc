/** The server API (`/admin/v1/...`) both hosts mount: Fetch Request in, Response out, over an AdminBackend. */
export { adminKeyProblem, MIN_ADMIN_KEY_LENGTH } from './auth.js';
export type { AdminBackend, DeadLetter, FollowChange, ModerationReport, ReportAction, ReportStatus, UserExport, WebhookAdmin } from './backend.js';
export { MAX_BODY_BYTES, tooLarge } from './body.js';
export { errorResponse } from './errors.js';
export { ADMIN_PREFIX, handleAdminRequest, match, type AdminOptions, type Method } from './router.js';
export { ROUTES } from './routes.js';
