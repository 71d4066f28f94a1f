import type { Dossier } from '../../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../../domain/dossier-type.js';
import { fieldOf } from '../../domain/dossier-type.js';
import type { ErrorDetail } from '../../domain/errors.js';
import { type Label, type Reason, reason } from '../../domain/action/reasons.js';
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

/** A dossier in a sentence: `the contact "Jan"` / `contact "Jan"`, with the trail that led to it. */
function describe(dossier: Dossier, type: DossierType | undefined, trail: readonly string[] = []): Label {
  const title = dossierTitle(dossier, type);
  const via = trail.length > 0 ? ` (${trail.join(' → ')})` : '';
  return {
    en: `the ${(type?.label.en ?? dossier.type).toLowerCase()} "${title}"${via}`,
    nl: `${(type?.label.nl ?? dossier.type).toLowerCase()} "${title}"${via}`,
  };
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
): Promise<{ addresses: string[] } | { problem: Reason }> {
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
        problem: reason('reason.recipient.fieldNoAddress', {
          what: describe(dossier, type, trail),
          field: key,
          title: dossierTitle(dossier, type),
        }),
      };
    }
    if (!field || field.kind !== 'reference' || typeof value !== 'string') {
      return {
        problem: reason('reason.recipient.referenceEmpty', {
          what: describe(dossier, type),
          fieldLabel: field ? { nl: field.label.nl.toLowerCase(), en: field.label.en.toLowerCase() } : key,
          field: key,
          path,
        }),
      };
    }
    const next = await loader.dossier(value);
    if (!next)
      return {
        problem: reason('reason.recipient.referenceGone', { field: key, what: describe(dossier, type) }),
      };
    trail.push(key);
    dossier = next;
  }
  return { problem: reason('reason.recipient.pathEmpty', { path }) };
}

async function addressesOf(
  spec: Exclude<RecipientSpec, { type: 'firstOf' }>,
  root: Dossier,
  loader: MergeLoader,
): Promise<{ addresses: string[] } | { problem: Reason }> {
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
          problem:
            spec.field === 'responsibleUser'
              ? reason('reason.recipient.noResponsibleUser', { what: describe(root, rootType) })
              : reason('reason.recipient.noUser', { what: describe(root, rootType), field: spec.field }),
        };
      }
      const user = await loader.user(id);
      if (!user)
        return {
          problem: reason('reason.recipient.userGone', {
            id,
            field: spec.field,
            what: describe(root, rootType),
          }),
        };
      if (!user.email) return { problem: reason('reason.recipient.userNoAddress', { user: user.name }) };
      return { addresses: [user.email] };
    }
    case 'team': {
      const id = root.data[spec.field];
      if (typeof id !== 'string') {
        return {
          problem: reason('reason.recipient.noTeam', { what: describe(root, rootType), field: spec.field }),
        };
      }
      const team = await loader.team(id);
      if (!team)
        return {
          problem: reason('reason.recipient.teamGone', {
            id,
            field: spec.field,
            what: describe(root, rootType),
          }),
        };
      const members = await Promise.all(team.memberIds.map((m) => loader.user(m)));
      const addresses = members.filter((u) => u?.active && u.email).map((u) => u!.email);
      if (addresses.length === 0) {
        return { problem: reason('reason.recipient.teamNoAddress', { team: team.name }) };
      }
      return { addresses };
    }
  }
}

/** What one rule yields: the usable addresses, and a coded sentence for each that it lacked or refused. */
interface RuleOutcome {
  readonly addresses: string[];
  readonly problems: Reason[];
}

async function outcomeOf(
  spec: RecipientSpec,
  root: Dossier,
  loader: MergeLoader,
  blockedDomains: readonly string[],
): Promise<RuleOutcome> {
  if (spec.type === 'firstOf') {
    // The first rule that yields an address wins; the ones before it lacked one, which is expected.
    const lacked: Reason[] = [];
    for (const inner of spec.of) {
      const r = await outcomeOf(inner, root, loader, blockedDomains);
      if (r.addresses.length > 0) return r;
      lacked.push(...r.problems);
    }
    return {
      addresses: [],
      problems: [reason('reason.recipient.noAlternative', { count: spec.of.length, problems: lacked })],
    };
  }
  const result = await addressesOf(spec, root, loader);
  if ('problem' in result) return { addresses: [], problems: [result.problem] };
  const addresses: string[] = [];
  const problems: Reason[] = [];
  for (const address of result.addresses) {
    const blocked = isEmailAddress(address) ? blockedDomainOf(address, blockedDomains) : null;
    if (!isEmailAddress(address)) problems.push(reason('reason.recipient.invalidAddress', { address }));
    else if (blocked) problems.push(reason('reason.recipient.blockedDomain', { address, domain: blocked }));
    else addresses.push(address);
  }
  return { addresses, problems };
}

/**
 * Resolves to, cc and bcc for one dossier. Addresses are deduplicated (case-insensitively) and
 * an address in `to` is not repeated in cc or bcc. When the "to" rules yield no address at all,
 * `problems` holds a coded sentence for every rule that yielded nothing (the e-mail must not be
 * sent); otherwise those sentences are `notes`, to be shown on the action.
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
): Promise<{ recipients: ResolvedRecipients; problems: Reason[]; notes: Reason[] }> {
  const found: Reason[] = [];
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
      problems: found.length > 0 ? found : [reason('reason.recipient.none')],
      notes: [],
    };
  }
  return { recipients: { to, cc, bcc }, problems: [], notes: found };
}
