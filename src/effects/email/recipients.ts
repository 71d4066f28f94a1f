import type { Dossier } from '../../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../../domain/dossier-type.js';
import { fieldOf } from '../../domain/dossier-type.js';
import type { ErrorDetail } from '../../domain/errors.js';
import type { RecipientSpec } from '../../domain/template/action-template.js';
import { type MergeLoader, dossierTitle } from './merge-context.js';

/**
 * Who receives a message. The "to" rules together must yield at least one address; a rule that
 * yields nothing (no responsible team, a contact without e-mail) is reported as a note on the
 * action, never skipped without a word (Econobis skips a missing address silently). Only when no
 * "to" rule yields an address is the e-mail not sent, with a sentence per rule saying what it
 * lacked.
 */
export interface ResolvedRecipients {
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
}

const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

export function isEmailAddress(text: string): boolean {
  return text.length <= 254 && EMAIL.test(text);
}

/** The blocked domain an address falls under (the domain itself or a subdomain), or null. */
export function blockedDomainOf(address: string, blocked: readonly string[]): string | null {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  for (const raw of blocked) {
    const b = raw.trim().toLowerCase().replace(/^@/, '');
    if (b !== '' && (domain === b || domain.endsWith(`.${b}`))) return b;
  }
  return null;
}

function describe(dossier: Dossier, type: DossierType | undefined): string {
  return `the ${(type?.label.en ?? dossier.type).toLowerCase()} "${dossierTitle(dossier, type)}"`;
}

/**
 * Checks recipient specs against the dossier types (the shape and the paths), without I/O:
 * `field` paths must end in an e-mail field, `user` and `team` must name such fields.
 */
export function checkRecipientSpecs(
  specs: unknown,
  rootType: DossierType,
  catalog: DossierTypeCatalog,
  path: string,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (specs === undefined) return problems;
  if (!Array.isArray(specs)) return [{ path, message: 'Recipients must be a list.' }];
  specs.forEach((spec: unknown, i) => {
    const at = `${path}[${i}]`;
    const nested = spec as { type?: unknown; of?: unknown } | null;
    if (typeof nested === 'object' && nested !== null && nested.type === 'firstOf') {
      if (!Array.isArray(nested.of) || nested.of.length === 0) {
        problems.push({
          path: `${at}.of`,
          message:
            'List the rules to try in order, such as [{ "type": "user", "field": "responsibleUser" }, { "type": "team", "field": "responsibleTeam" }].',
        });
        return;
      }
      problems.push(...checkRecipientSpecs(nested.of, rootType, catalog, `${at}.of`));
      return;
    }
    const s = spec as Partial<Record<string, unknown>> | null;
    if (typeof s !== 'object' || s === null) {
      problems.push({
        path: at,
        message: 'A recipient is an object such as { "type": "field", "path": "contact.email" }.',
      });
      return;
    }
    switch (s.type) {
      case 'field': {
        if (typeof s.path !== 'string' || s.path === '') {
          problems.push({
            path: `${at}.path`,
            message: 'Give the path of an e-mail field, such as "contact.email".',
          });
          return;
        }
        let type: DossierType | undefined = rootType;
        const parts = s.path.split('.');
        for (const [j, key] of parts.entries()) {
          const field = type ? fieldOf(type, key) : undefined;
          const walked = parts.slice(0, j + 1).join('.');
          if (!type || !field) {
            problems.push({
              path: `${at}.path`,
              message: `"${walked}" does not exist: ${type?.key ?? 'that dossier'} has no field "${key}".`,
            });
            return;
          }
          const last = j === parts.length - 1;
          if (last) {
            if (field.kind !== 'email') {
              problems.push({
                path: `${at}.path`,
                message: `"${s.path}" is a ${field.kind} field, not an e-mail field; end the path in one, such as "${walked}.email".`,
              });
            }
            return;
          }
          if (field.kind !== 'reference') {
            problems.push({
              path: `${at}.path`,
              message: `"${walked}" is a ${field.kind} field; only references can be followed with a dot.`,
            });
            return;
          }
          type = catalog.get(field.refType);
        }
        return;
      }
      case 'user':
      case 'team': {
        const field = typeof s.field === 'string' ? fieldOf(rootType, s.field) : undefined;
        if (!field || field.kind !== s.type) {
          const candidates = rootType.fields.filter((f) => f.kind === s.type).map((f) => f.key);
          problems.push({
            path: `${at}.field`,
            message: `"${String(s.field)}" is not a ${s.type} field of ${rootType.key}. ${candidates.length > 0 ? `Choose ${candidates.join(' or ')}.` : `${rootType.key} has no ${s.type} field.`}`,
          });
        }
        return;
      }
      case 'address':
        if (typeof s.address !== 'string' || !isEmailAddress(s.address.trim())) {
          problems.push({
            path: `${at}.address`,
            message: `"${String(s.address)}" is not an e-mail address.`,
          });
        }
        return;
      default:
        problems.push({
          path: `${at}.type`,
          message: `Unknown recipient type "${String(s.type)}": use field, user, team, address or firstOf.`,
        });
    }
  });
  return problems;
}

/** Follows a `field` spec from the root; an address, or a sentence saying what is missing. */
async function addressesOfField(
  path: string,
  root: Dossier,
  loader: MergeLoader,
): Promise<{ addresses: string[] } | { problem: string }> {
  let dossier = root;
  const parts = path.split('.');
  const trail: string[] = [];
  for (const [i, key] of parts.entries()) {
    const type = loader.catalog.get(dossier.type);
    const field = type ? fieldOf(type, key) : undefined;
    const value = dossier.data[key];
    if (i === parts.length - 1) {
      if (typeof value === 'string' && value.trim() !== '') return { addresses: [value.trim()] };
      return {
        problem: `${describe(dossier, type)}${trail.length > 0 ? ` (${trail.join(' → ')})` : ''} has no e-mail address in "${key}". Fill in ${key} of ${dossierTitle(dossier, type)}, or change who receives this e-mail.`,
      };
    }
    if (!field || field.kind !== 'reference' || typeof value !== 'string') {
      return {
        problem: `${describe(dossier, type)} has no ${field?.label.en.toLowerCase() ?? key} ("${key}"), so "${path}" leads nowhere. Link one, or change who receives this e-mail.`,
      };
    }
    const next = await loader.dossier(value);
    if (!next)
      return { problem: `"${key}" of ${describe(dossier, type)} refers to a dossier that no longer exists.` };
    trail.push(key);
    dossier = next;
  }
  return { problem: `"${path}" is empty.` };
}

async function addressesOf(
  spec: Exclude<RecipientSpec, { type: 'firstOf' }>,
  root: Dossier,
  loader: MergeLoader,
): Promise<{ addresses: string[] } | { problem: string }> {
  const rootType = loader.catalog.get(root.type);
  switch (spec.type) {
    case 'address':
      return { addresses: [spec.address.trim()] };
    case 'field':
      return addressesOfField(spec.path, root, loader);
    case 'user': {
      const id = root.data[spec.field];
      if (typeof id !== 'string') {
        return {
          problem: `${describe(root, rootType)} has no ${spec.field === 'responsibleUser' ? 'responsible user' : `user in "${spec.field}"`}. Assign one, or change who receives this e-mail.`,
        };
      }
      const user = await loader.user(id);
      if (!user)
        return {
          problem: `The user "${id}" in "${spec.field}" of ${describe(root, rootType)} no longer exists.`,
        };
      if (!user.email)
        return { problem: `${user.name} has no e-mail address. Add one under Settings → Users.` };
      return { addresses: [user.email] };
    }
    case 'team': {
      const id = root.data[spec.field];
      if (typeof id !== 'string') {
        return {
          problem: `${describe(root, rootType)} has no team in "${spec.field}". Assign one, or change who receives this e-mail.`,
        };
      }
      const team = await loader.team(id);
      if (!team)
        return {
          problem: `The team "${id}" in "${spec.field}" of ${describe(root, rootType)} no longer exists.`,
        };
      const members = await Promise.all(team.memberIds.map((m) => loader.user(m)));
      const addresses = members.filter((u) => u?.active && u.email).map((u) => u!.email);
      if (addresses.length === 0) {
        return {
          problem: `The team "${team.name}" has no active member with an e-mail address. Add one under Settings → Teams.`,
        };
      }
      return { addresses };
    }
  }
}

/** What one rule yields: the usable addresses, and a sentence for each that it lacked or refused. */
interface RuleOutcome {
  readonly addresses: string[];
  readonly problems: string[];
}

async function outcomeOf(
  spec: RecipientSpec,
  root: Dossier,
  loader: MergeLoader,
  blockedDomains: readonly string[],
): Promise<RuleOutcome> {
  if (spec.type === 'firstOf') {
    // The first rule that yields an address wins; the ones before it lacked one, which is expected.
    const lacked: string[] = [];
    for (const inner of spec.of) {
      const r = await outcomeOf(inner, root, loader, blockedDomains);
      if (r.addresses.length > 0) return r;
      lacked.push(...r.problems);
    }
    return {
      addresses: [],
      problems: [`None of the ${spec.of.length} alternatives has an address: ${lacked.join(' ')}`],
    };
  }
  const result = await addressesOf(spec, root, loader);
  if ('problem' in result) return { addresses: [], problems: [result.problem] };
  const addresses: string[] = [];
  const problems: string[] = [];
  for (const address of result.addresses) {
    const blocked = isEmailAddress(address) ? blockedDomainOf(address, blockedDomains) : null;
    if (!isEmailAddress(address))
      problems.push(`"${address}" is not a valid e-mail address; correct it in the dossier.`);
    else if (blocked)
      problems.push(
        `${address} is at a blocked domain (${blocked}); mail to it is refused. Change the address, or remove ${blocked} from the blocked domains under Settings → E-mail.`,
      );
    else addresses.push(address);
  }
  return { addresses, problems };
}

/**
 * Resolves to, cc and bcc for one dossier. Addresses are deduplicated (case-insensitively) and
 * an address in `to` is not repeated in cc or bcc. When the "to" rules yield no address at all,
 * `problems` holds a sentence for every rule that yielded nothing (the e-mail must not be sent);
 * otherwise those sentences are `notes`, to be shown on the action.
 */
export async function resolveRecipients(
  specs: {
    readonly to: readonly RecipientSpec[];
    readonly cc?: readonly RecipientSpec[];
    readonly bcc?: readonly RecipientSpec[];
  },
  root: Dossier,
  loader: MergeLoader,
  blockedDomains: readonly string[],
): Promise<{ recipients: ResolvedRecipients; problems: string[]; notes: string[] }> {
  const found: string[] = [];
  const seen = new Set<string>();
  const collect = async (list: readonly RecipientSpec[] | undefined): Promise<string[]> => {
    const out: string[] = [];
    for (const spec of list ?? []) {
      const r = await outcomeOf(spec, root, loader, blockedDomains);
      found.push(...r.problems);
      for (const address of r.addresses) {
        const key = address.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(address);
      }
    }
    return out;
  };
  const to = await collect(specs.to);
  const cc = await collect(specs.cc);
  const bcc = await collect(specs.bcc);
  if (to.length === 0) {
    return {
      recipients: { to, cc, bcc },
      problems: found.length > 0 ? found : ['it has no recipients.'],
      notes: [],
    };
  }
  return { recipients: { to, cc, bcc }, problems: [], notes: found };
}
