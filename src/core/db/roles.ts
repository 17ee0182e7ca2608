import { createHash, createHmac, pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import type pg from "pg";
import { BrotrError } from "../../models/errors.js";
import { any, exec } from "./sql.js";
import { transaction } from "./transaction.js";

/** The NOLOGIN group roles created by migrations 000004 and 000018; logins inherit from them. */
export const GROUP_ROLES = {
  writer: "bigbrotr_writer",
  reader: "bigbrotr_reader",
  refresher: "bigbrotr_refresher",
  /** The reader's reads plus the API's one write, alert subscriptions (migration 000018). */
  api: "bigbrotr_api",
} as const;

export type RoleKind = keyof typeof GROUP_ROLES;

/** Login names used when the caller does not choose them. */
export const DEFAULT_LOGIN_NAMES: Readonly<Record<RoleKind, string>> = {
  writer: "writer",
  reader: "reader",
  refresher: "refresher",
  api: "api",
};

export interface LoginRolesOptions {
  /** Login names per kind (default DEFAULT_LOGIN_NAMES); lowercase identifiers. */
  users?: Partial<Record<RoleKind, string>>;
}

export interface LoginRoleResult {
  kind: RoleKind;
  user: string;
  /** false when the user already existed and only its password was changed. */
  created: boolean;
}

const LOGIN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const KINDS = Object.keys(GROUP_ROLES) as RoleKind[];
const pbkdf2Async = promisify(pbkdf2);

// The same SASLprep subset node-pg applies when it logs in (RFC 4013 mappings plus NFKC).
function saslprep(password: string): string {
  return password
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, " ")
    .replace(
      /\u00AD|\u034F|\u1806|\u180B|\u180C|\u180D|\u200C|\u200D|\u2060|[\uFE00-\uFE0F]|\uFEFF/g,
      "",
    )
    .normalize("NFKC");
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677). Sending
 * the verifier instead of the password keeps the password out of the server entirely: not
 * in its logs, pg_stat_activity or replication stream.
 */
export async function scramVerifier(password: string, iterations = 4096): Promise<string> {
  const salt = randomBytes(16);
  const salted = await pbkdf2Async(saslprep(password), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  const b64 = (b: Buffer) => b.toString("base64");
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

// Static: the names and the verifier arrive as transaction-local settings (bound parameters
// of set_config) and are quoted by format(%I, %L), since CREATE/ALTER ROLE take no parameters.
const UPSERT_LOGIN = `
DO $$
DECLARE
  login text := current_setting('bigbrotr.login_user');
  grp text := current_setting('bigbrotr.login_group');
  verifier text := current_setting('bigbrotr.login_verifier');
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = login) THEN
    EXECUTE format('ALTER ROLE %I WITH LOGIN INHERIT PASSWORD %L', login, verifier);
  ELSE
    EXECUTE format('CREATE ROLE %I WITH LOGIN INHERIT PASSWORD %L IN ROLE %I', login, verifier, grp);
  END IF;
END $$`;

interface RoleState {
  groupOk: boolean;
  userExists: boolean;
  isMember: boolean;
}

async function roleState(client: pg.ClientBase, group: string, user: string): Promise<RoleState> {
  const rows = await any<RoleState>(
    client,
    `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1 AND NOT rolcanlogin) AS "groupOk",
            EXISTS (SELECT FROM pg_roles WHERE rolname = $2) AS "userExists",
            EXISTS (SELECT FROM pg_auth_members m
                      JOIN pg_roles g ON g.oid = m.roleid
                      JOIN pg_roles u ON u.oid = m.member
                     WHERE g.rolname = $1 AND u.rolname = $2) AS "isMember"`,
    [group, user],
  );
  const row = rows[0];
  if (!row) throw new BrotrError("role lookup returned no row");
  return row;
}

function loginName(kind: RoleKind, options: LoginRolesOptions): string {
  const user = options.users?.[kind] ?? DEFAULT_LOGIN_NAMES[kind];
  const isGroup = (Object.values(GROUP_ROLES) as string[]).includes(user);
  if (!LOGIN_NAME.test(user) || user.startsWith("pg_") || isGroup) {
    throw new BrotrError(`invalid login name for the ${kind} role: ${JSON.stringify(user)}`);
  }
  return user;
}

async function upsertLogin(
  client: pg.ClientBase,
  kind: RoleKind,
  user: string,
  password: string,
): Promise<LoginRoleResult> {
  const group = GROUP_ROLES[kind];
  const state = await roleState(client, group, user);
  if (!state.groupOk) {
    throw new BrotrError(`group role ${group} is missing: run the migrations first`);
  }
  if (state.userExists && !state.isMember) {
    throw new BrotrError(
      `role ${user} already exists and is not a member of ${group}; refusing to take it over (choose another name, or GRANT ${group} TO ${user} yourself)`,
    );
  }
  await exec(
    client,
    `SELECT set_config('bigbrotr.login_user', $1, true),
            set_config('bigbrotr.login_group', $2, true),
            set_config('bigbrotr.login_verifier', $3, true)`,
    [user, group, await scramVerifier(password)],
  );
  await exec(client, UPSERT_LOGIN);
  return { kind, user, created: !state.userExists };
}

/**
 * Creates (or updates the password of) one LOGIN user per given password, each a member of
 * its bigbrotr group role, in one transaction. Needs a pool connected as a role allowed to
 * create roles (the admin). Passwords never leave this process: only SCRAM verifiers are
 * sent. A pre-existing role of the same name that is not already a member of the group is
 * refused rather than taken over.
 */
export async function createLoginRoles(
  adminPool: pg.Pool,
  passwords: Partial<Record<RoleKind, string>>,
  options: LoginRolesOptions = {},
): Promise<LoginRoleResult[]> {
  const wanted = KINDS.flatMap((kind) => {
    const password = passwords[kind];
    if (password === undefined) return [];
    if (password.length === 0) throw new BrotrError(`empty password for the ${kind} role`);
    return [{ kind, user: loginName(kind, options), password }];
  });
  return transaction(adminPool, async (client) => {
    const results: LoginRoleResult[] = [];
    for (const w of wanted) results.push(await upsertLogin(client, w.kind, w.user, w.password));
    return results;
  });
}
