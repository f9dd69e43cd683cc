import * as v from 'valibot';
import { checkHttpUrl, DELETED_USER, isPrivateHost, USER_ID, type User } from '../../../src/protocol/index.js';
import { AdminError } from './errors.js';

/** Most items in one batch call; more is 413. */
export const MAX_BATCH = 1_000;
/** Most profiles in one page of `GET /users`. */
export const MAX_PAGE = 1_000;
export const DEFAULT_PAGE = 100;
/** The wire schema's cap on names, in UTF-16 units (token claims are clipped to it). */
const NAME_UNITS = 200;

const userId = v.pipe(v.string(), v.regex(USER_ID, 'a user id is 1-64 of A-Z a-z 0-9 _ -'));
const kind = v.picklist(['person', 'brand'], 'kind is "person" or "brand"');
const profileFields = {
  name: v.pipe(v.string('name must be a string'), v.trim(), v.minLength(1, 'name must not be blank'), v.maxLength(NAME_UNITS, `name is at most ${NAME_UNITS} characters`)),
  /** An absolute http(s) URL; null or left out: no picture. */
  avatar: v.optional(v.nullable(v.string('avatar must be a URL or null'))),
  kind: v.optional(kind),
};

/** `PUT /users/{id}`: the whole profile (a field left out is cleared). */
export const ProfileInput = v.strictObject(profileFields);
export const BatchUsersInput = v.strictObject({ users: v.array(v.unknown(), 'users must be an array') });
export const BatchUserItem = v.strictObject({ id: userId, ...profileFields });
export const BatchFollowsInput = v.strictObject({ changes: v.array(v.unknown(), 'changes must be an array') });
export const FollowItem = v.strictObject({ follower: userId, followee: userId, follows: v.boolean('follows must be true or false') });

/** A profile as the API shows it: `kind` instead of the wire's `brand` flag. */
export interface ApiUser {
  id: string;
  name: string;
  avatar?: string;
  kind: 'person' | 'brand';
}

export function toApiUser(user: User): ApiUser {
  const out: ApiUser = { id: user.id, name: user.name, kind: user.brand ? 'brand' : 'person' };
  if (user.avatar) out.avatar = user.avatar;
  return out;
}

/**
 * The stored profile for `id` from checked input. The avatar is held to the
 * rule pins follow: http(s) only, no credentials, and no private host unless
 * the server allows them (every viewer's browser fetches it).
 */
export function toUser(id: string, input: v.InferOutput<typeof ProfileInput>, allowPrivateUrls: boolean, index?: number): User {
  if (id === DELETED_USER) throw new AdminError(400, 'reserved_user', `${at(index)}"${DELETED_USER}" is reserved for erased people`, index);
  const user: User = { id, name: input.name };
  if (typeof input.avatar === 'string') {
    const url = checkHttpUrl(input.avatar);
    if (!url.ok) throw new AdminError(400, 'invalid_body', `${at(index)}avatar is not a safe http(s) URL (${url.problem})`, index);
    if (!allowPrivateUrls && isPrivateHost(url.host)) {
      throw new AdminError(400, 'invalid_body', `${at(index)}avatar points at a private or local host`, index);
    }
    user.avatar = url.href;
  }
  if (input.kind === 'brand') user.brand = true;
  return user;
}

/** `value` checked against `schema`, or a 400 naming the first problem (and the batch item). */
export function parseWith<S extends v.GenericSchema>(schema: S, value: unknown, index?: number): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.');
  const message = issue.type === 'strict_object' && path ? `unknown field "${path.split('.').pop()}"` : path ? `${path}: ${issue.message}` : issue.message;
  throw new AdminError(400, 'invalid_body', `${at(index)}${message}`, index);
}

function at(index: number | undefined): string {
  return index === undefined ? '' : `item ${index}: `;
}
