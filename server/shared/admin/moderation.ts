import * as v from 'valibot';
import { DELETED_USER } from '../../../src/protocol/index.js';
import type { ModerationReport, ReportAction } from './backend.js';
import { readJson } from './body.js';
import { AdminError, jsonResponse } from './errors.js';
import type { RouteContext } from './router.js';
import { DEFAULT_PAGE, MAX_PAGE, parseWith, toApiUser } from './schemas.js';

/** `until`: an ISO 8601 time with a zone, e.g. 2030-01-01T00:00:00Z. */
const isoTime = v.pipe(
  v.string('until must be an ISO 8601 time'),
  v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, 'until must be an ISO 8601 time with a zone, e.g. 2030-01-01T00:00:00Z'),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'until is not a real time'),
);
export const BanInput = v.strictObject({ until: v.optional(isoTime) });
export const ResolveInput = v.strictObject({
  action: v.picklist(['dismiss', 'delete_message', 'ban_sender'], 'action is "dismiss", "delete_message" or "ban_sender"'),
  until: v.optional(isoTime),
});

/** Pages of the export's messages, read from the store this many at a time. */
export const EXPORT_PAGE = 500;

/** `DELETE /users/{id}`: erasure. A second call finds nobody (404): nothing of the person is left to erase. */
export async function eraseUser({ params, options }: RouteContext): Promise<Response> {
  await known(ctxBackend(options), params.id);
  await options.backend.eraseUser(params.id);
  return jsonResponse(200, { user: params.id, erased: true });
}

/** `GET /users/{id}/export`: one JSON document with everything kept about the person. */
export async function exportUser({ params, options }: RouteContext): Promise<Response> {
  const user = await known(ctxBackend(options), params.id);
  const rest = await options.backend.exportUser(params.id);
  const ban = await options.backend.banOf(params.id, Date.now());
  return jsonResponse(200, {
    exportedAt: new Date().toISOString(),
    user: toApiUser(user),
    ...rest,
    messages: rest.messages.map((m) => ({ ...m, at: iso(m.at) })),
    conversations: rest.conversations.map((c) => ({ ...c, createdAt: iso(c.createdAt) })),
    reports: rest.reports.map((r) => ({ ...r, at: iso(r.at) })),
    ban: ban ? { until: ban.until === null ? null : iso(ban.until) } : null,
  });
}

export async function listReports({ query, options }: RouteContext): Promise<Response> {
  for (const name of query.keys()) {
    if (!['status', 'cursor', 'limit'].includes(name)) throw new AdminError(400, 'invalid_query', `unknown query parameter "${name}"`);
  }
  const status = query.get('status') ?? 'open';
  if (status !== 'open' && status !== 'resolved') throw new AdminError(400, 'invalid_query', 'status must be "open" or "resolved"');
  const cursor = query.get('cursor') ?? '';
  if (cursor !== '' && !REPORT_ID.test(cursor)) throw new AdminError(400, 'invalid_query', 'cursor must be the `next` of an earlier page');
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE : /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE)) throw new AdminError(400, 'invalid_query', `limit must be a whole number from 1 to ${MAX_PAGE}`);
  const reports = await options.backend.listReports(status, cursor, limit + 1);
  const page = reports.slice(0, limit);
  return jsonResponse(200, { reports: page.map(toApiReport), next: reports.length > limit ? page[page.length - 1].id : null });
}

export async function getReport({ params, options }: RouteContext): Promise<Response> {
  return jsonResponse(200, { report: toApiReport(await knownReport(ctxBackend(options), params.report)) });
}

/**
 * `POST /reports/{report}/resolve`: the body is checked, then the report
 * (404, or 409 once resolved), then the action is applied and the report
 * marked resolved. An action that finds its message gone still resolves it.
 */
export async function resolveReport({ request, params, options }: RouteContext): Promise<Response> {
  const input = parseWith(ResolveInput, await readJson(request));
  if (input.until !== undefined && input.action !== 'ban_sender') throw new AdminError(400, 'invalid_body', 'until goes with "ban_sender" only');
  const until = untilOf(input.until);
  const backend = options.backend;
  const report = await knownReport(backend, params.report);
  if (report.status !== 'open') throw new AdminError(409, 'already_resolved', `report ${report.id} was resolved (${report.action ?? 'dismiss'})`);
  const action: ReportAction = input.action;
  if (action === 'ban_sender') {
    if (!report.sender || report.sender === DELETED_USER) throw new AdminError(409, 'conflict', 'the reported message has no sender left to ban');
    await backend.setBan(report.sender, { until });
  }
  if (action === 'delete_message') await backend.deleteMessage(report.conv, report.seq);
  if (!(await backend.resolveReport(report.id, action, Date.now()))) {
    throw new AdminError(409, 'already_resolved', `report ${report.id} was resolved meanwhile`);
  }
  return jsonResponse(200, { report: toApiReport((await backend.getReport(report.id)) ?? report) });
}

export async function getBan({ params, options }: RouteContext): Promise<Response> {
  await known(ctxBackend(options), params.id);
  return jsonResponse(200, banBody(params.id, await options.backend.banOf(params.id, Date.now())));
}

/** `PUT /users/{id}/ban`: bans until `until`, or until lifted; the person's sockets close at once. */
export async function putBan({ request, params, options }: RouteContext): Promise<Response> {
  const input = parseWith(BanInput, await readJson(request));
  const until = untilOf(input.until);
  await known(ctxBackend(options), params.id);
  await options.backend.setBan(params.id, { until });
  return jsonResponse(200, banBody(params.id, { until }));
}

export async function deleteBan({ params, options }: RouteContext): Promise<Response> {
  await known(ctxBackend(options), params.id);
  await options.backend.setBan(params.id, undefined);
  return jsonResponse(200, banBody(params.id, undefined));
}

/** A report id: `r_` and up to 64 URL-safe characters. */
export const REPORT_ID = /^r_[A-Za-z0-9_-]{1,64}$/;

function banBody(user: string, ban: { until: number | null } | undefined) {
  return { user, banned: ban !== undefined, until: ban?.until ? iso(ban.until) : null };
}

function untilOf(until: string | undefined): number | null {
  if (until === undefined) return null;
  const at = Date.parse(until);
  if (at <= Date.now()) throw new AdminError(400, 'invalid_body', 'until must be in the future');
  return at;
}

function toApiReport(r: ModerationReport) {
  const out: Record<string, unknown> = { id: r.id, conv: r.conv, seq: r.seq, reporter: r.reporter };
  if (r.sender !== undefined) out.sender = r.sender;
  if (r.reason !== undefined) out.reason = r.reason;
  out.at = iso(r.at);
  out.status = r.status;
  if (r.action !== undefined) out.action = r.action;
  if (r.resolvedAt !== undefined) out.resolvedAt = iso(r.resolvedAt);
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

type Backend = RouteContext['options']['backend'];

function ctxBackend(options: RouteContext['options']): Backend {
  return options.backend;
}

async function known(backend: Backend, id: string) {
  const [user] = await backend.getUsers([id]);
  if (!user) throw new AdminError(404, 'unknown_user', `no person ${id} in the directory`);
  return user;
}

async function knownReport(backend: Backend, id: string): Promise<ModerationReport> {
  const report = await backend.getReport(id);
  if (!report) throw new AdminError(404, 'unknown_report', `no report ${id}`);
  return report;
}
