import type { DossierType } from '../dossier-type.js';
import type { DemoDossier, DemoUser, Preset } from './preset.js';
import { f, l, options, slug, statuses } from './preset-builders.js';
import {
  CITIES,
  COMPANY_KINDS,
  COMPANY_WORDS,
  FIRST_NAMES,
  STREETS,
  SURNAMES,
  addDaysIso,
  emailFor,
  phoneFor,
  picker,
  postalCode,
} from './dutch-demo-names.js';

/** The task types of Econobis; each can carry the three task workflows (new, expired, completed). */
export const TASK_TYPES: readonly (readonly [string, string])[] = [
  ['Bellen', 'Call'],
  ['E-mail', 'E-mail'],
  ['Offerte maken', 'Make quotation'],
  ['Contactmoment', 'Contact moment'],
  ['Overige', 'Other'],
  ['Webformulier', 'Web form'],
  ['Intern overleg', 'Internal meeting'],
  ['Aanmelding', 'Registration'],
  ['Adviesgesprek', 'Advice meeting'],
  ['Nota maken', 'Make note'],
  ['Informatie toesturen', 'Send information'],
  ['Bezoek', 'Visit'],
  ['Overstap energieleverancier', 'Switch energy supplier'],
  ['Controleer contactgegevens', 'Check contact details'],
  ['Nazorg', 'Aftercare'],
  ['Subsidieaanvraag', 'Subsidy application'],
];

const OPPORTUNITY_STATUSES = statuses([
  ['Inactief', 'Inactive'],
  ['Actief', 'Active'],
  ['In afwachting', 'Pending'],
  ['Opdracht', 'Order'],
  ['In uitvoering', 'In progress'],
  ['Uitgevoerd', 'Executed'],
  ['Uitvoering doe het zelf', 'Do-it-yourself execution'],
  ['Uitgevoerd zonder maatregel', 'Executed without measure'],
  ['Subsidie aanvraag in afwachting', 'Subsidy application pending'],
  ['Subsidie aanvraag toegekend', 'Subsidy application granted'],
  ['Subsidie aanvraag afgewezen', 'Subsidy application rejected'],
  ['Geen uitvoering', 'Not executed'],
]);

const QUOTATION_REQUEST_STATUSES = statuses([
  ['Offerte nog niet aangevraagd', 'Quotation not yet requested'],
  ['Offerte aangevraagd', 'Quotation requested'],
  ['Offerte aanvraag in behandeling', 'Quotation request in progress'],
  ['In overweging bij bewoner', 'Under consideration by resident'],
  ['Bewoner is akkoord', 'Resident agreed'],
  ['Bewoner heeft afgewezen', 'Resident declined'],
  ['Offerte niet mogelijk', 'Quotation not possible'],
  ['Geen reactie ontvangen', 'No response received'],
  ['Uitgevoerd', 'Executed'],
  ['Offerteverzoek akkoord', 'Quotation request approved'],
  ['Offerteverzoek niet akkoord', 'Quotation request not approved'],
]);

const VISIT_STATUSES = statuses([
  ['Geen afspraak gemaakt', 'No appointment made'],
  ['Geen afspraak kunnen maken', 'Could not make an appointment'],
  ['Afspraak gemaakt', 'Appointment made'],
  ['Afspraak uitgevoerd', 'Appointment done'],
  ['Afspraak afgezegd', 'Appointment cancelled'],
]);

const BUDGET_REQUEST_STATUSES = statuses([
  ['Budgetaanvraag open', 'Budget request open'],
  ['Budgetaanvraag gemaakt', 'Budget request made'],
  ['Budgetaanvraag akkoord', 'Budget request approved'],
  ['Budgetaanvraag niet akkoord', 'Budget request not approved'],
  ['Aanvraag gekoppeld', 'Application linked'],
  ['Budgetaanvraag verstuurd naar bewoner', 'Budget request sent to resident'],
  ['Subsidieaanvraag in behandeling', 'Subsidy application in progress'],
  ['Subsidie aanvraag beschikt', 'Subsidy application decided'],
  ['Subsidie aanvraag niet beschikt', 'Subsidy application not decided'],
  ['Subsidievaststelling in behandeling', 'Subsidy determination in progress'],
  ['Subsidie vastgesteld', 'Subsidy determined'],
  ['Subsidie niet vastgesteld', 'Subsidy not determined'],
]);

const REFERRAL_STATUSES = statuses([
  ['Nog doorverwijzen', 'To be referred'],
  ['Doorverwezen', 'Referred'],
  ['In behandeling', 'In progress'],
  ['Afgehandeld', 'Handled'],
]);

const INTAKE_STATUSES = statuses([
  ['Open', 'Open'],
  ['In behandeling', 'In progress'],
  ['Afgesloten met kans', 'Closed with opportunity'],
  ['Afgesloten zonder kans', 'Closed without opportunity'],
]);

const contactFields = [
  f.enum(
    'kind',
    options([
      ['Persoon', 'Person'],
      ['Organisatie', 'Organisation'],
    ]),
    'Soort',
    'Kind',
    true,
  ),
  f.simple('name', 'text', 'Naam', 'Name', true),
  f.simple('firstName', 'text', 'Voornaam', 'First name'),
  f.simple('lastName', 'text', 'Achternaam', 'Last name'),
  f.simple('email', 'email', 'E-mail', 'E-mail'),
  f.simple('phone', 'phone', 'Telefoon', 'Phone'),
  f.simple('street', 'text', 'Straat', 'Street'),
  f.simple('houseNumber', 'text', 'Huisnummer', 'House number'),
  f.simple('postalCode', 'text', 'Postcode', 'Postal code'),
  f.simple('city', 'text', 'Plaats', 'City'),
  f.simple('isCoach', 'boolean', 'Is coach', 'Is coach'),
];

/** A kansactie (opportunity action) type: an action on an opportunity with its own status list. */
function opportunityAction(
  key: string,
  label: [string, string],
  plural: [string, string],
  st: ReturnType<typeof statuses>,
  extra: DossierType['fields'],
): DossierType {
  return {
    key,
    label: l(...label),
    pluralLabel: l(...plural),
    titleField: 'description',
    titleTemplate: '{opportunity} – {description}',
    statuses: st,
    fields: [
      f.ref('opportunity', 'opportunity', 'Kans', 'Opportunity', true),
      f.status(),
      f.simple('description', 'text', 'Omschrijving', 'Description'),
      f.ref('organisation', 'contact', 'Organisatie', 'Organisation'),
      f.ref('coach', 'contact', 'Coach', 'Coach'),
      f.simple('responsibleUser', 'user', 'Verantwoordelijke', 'Responsible user'),
      ...extra,
      f.simple('note', 'longText', 'Opmerking', 'Note'),
    ],
  };
}

export const ENERGY_COOPERATIVE_TYPES: readonly DossierType[] = [
  {
    key: 'contact',
    label: l('Contact', 'Contact'),
    pluralLabel: l('Contacten', 'Contacts'),
    titleField: 'name',
    statuses: [],
    fields: contactFields,
  },
  {
    key: 'campaign',
    label: l('Campagne', 'Campaign'),
    pluralLabel: l('Campagnes', 'Campaigns'),
    titleField: 'name',
    statuses: statuses([
      ['Gepland', 'Planned'],
      ['Actief', 'Active'],
      ['Afgerond', 'Finished'],
    ]),
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.status(false),
      f.simple('description', 'longText', 'Omschrijving', 'Description'),
      f.simple('startDate', 'date', 'Startdatum', 'Start date'),
      f.simple('endDate', 'date', 'Einddatum', 'End date'),
    ],
  },
  {
    key: 'measureCategory',
    label: l('Maatregel categorie', 'Measure category'),
    pluralLabel: l('Maatregel categorieën', 'Measure categories'),
    titleField: 'name',
    statuses: [],
    fields: [f.simple('name', 'text', 'Naam', 'Name', true)],
  },
  {
    key: 'intake',
    label: l('Intake', 'Intake'),
    pluralLabel: l('Intakes', 'Intakes'),
    titleField: 'address',
    titleTemplate: '{contact} – {address}',
    categoryField: 'campaign',
    statuses: INTAKE_STATUSES,
    fields: [
      f.ref('contact', 'contact', 'Contact', 'Contact', true),
      f.ref('campaign', 'campaign', 'Campagne', 'Campaign'),
      f.status(),
      f.simple('address', 'text', 'Adres', 'Address'),
      f.ref('measureCategory', 'measureCategory', 'Gewenste maatregel', 'Desired measure'),
      f.simple('responsibleUser', 'user', 'Verantwoordelijke', 'Responsible user'),
      f.simple('note', 'longText', 'Opmerking', 'Note'),
    ],
  },
  {
    key: 'opportunity',
    label: l('Kans', 'Opportunity'),
    pluralLabel: l('Kansen', 'Opportunities'),
    titleField: 'name',
    categoryField: 'measureCategory',
    statuses: OPPORTUNITY_STATUSES,
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.ref('intake', 'intake', 'Intake', 'Intake', true),
      f.ref('measureCategory', 'measureCategory', 'Maatregel categorie', 'Measure category', true),
      f.status(),
      f.simple('desiredDate', 'date', 'Gewenste datum', 'Desired date'),
      f.simple('evaluationDate', 'date', 'Evaluatiedatum', 'Evaluation date'),
      f.simple('amount', 'money', 'Bedrag', 'Amount'),
      f.simple('responsibleUser', 'user', 'Verantwoordelijke', 'Responsible user'),
      f.simple('note', 'longText', 'Opmerking', 'Note'),
    ],
  },
  opportunityAction(
    'quotationRequest',
    ['Offerteverzoek', 'Quotation request'],
    ['Offerteverzoeken', 'Quotation requests'],
    QUOTATION_REQUEST_STATUSES,
    [
      f.simple('dateRequested', 'date', 'Datum aangevraagd', 'Date requested'),
      f.simple('datePlanned', 'date', 'Datum afspraak', 'Date planned'),
      f.simple('quotationAmount', 'money', 'Offertebedrag', 'Quotation amount'),
    ],
  ),
  opportunityAction('visit', ['Bezoek', 'Visit'], ['Bezoeken', 'Visits'], VISIT_STATUSES, [
    f.simple('appointmentAt', 'datetime', 'Afspraak', 'Appointment'),
  ]),
  opportunityAction(
    'budgetRequest',
    ['Budgetaanvraag', 'Budget request'],
    ['Budgetaanvragen', 'Budget requests'],
    BUDGET_REQUEST_STATUSES,
    [f.simple('amount', 'money', 'Bedrag', 'Amount')],
  ),
  opportunityAction(
    'referral',
    ['Doorverwijzing', 'Referral'],
    ['Doorverwijzingen', 'Referrals'],
    REFERRAL_STATUSES,
    [],
  ),
  {
    key: 'task',
    label: l('Taak', 'Task'),
    pluralLabel: l('Taken', 'Tasks'),
    titleField: 'description',
    categoryField: 'taskType',
    statuses: [],
    fields: [
      f.enum('taskType', options(TASK_TYPES), 'Taak type', 'Task type', true),
      f.simple('description', 'text', 'Omschrijving', 'Description', true),
      f.ref('contact', 'contact', 'Contact', 'Contact'),
      f.ref('intake', 'intake', 'Intake', 'Intake'),
      f.ref('opportunity', 'opportunity', 'Kans', 'Opportunity'),
      f.simple('responsibleUser', 'user', 'Verantwoordelijke gebruiker', 'Responsible user'),
      f.simple('responsibleTeam', 'team', 'Verantwoordelijk team', 'Responsible team'),
      f.simple('plannedFinishDate', 'date', 'Datum gepland gereed', 'Planned finish date'),
      f.simple('finished', 'boolean', 'Afgehandeld', 'Finished'),
      f.simple('finishedAt', 'datetime', 'Afgehandeld op', 'Finished at'),
      f.simple('note', 'longText', 'Opmerking', 'Note'),
    ],
  },
];

const MEASURES = [
  'Spouwmuurisolatie',
  'Dakisolatie',
  'Vloerisolatie',
  'Zonnepanelen',
  'Warmtepomp',
  'HR++ glas',
  'Ventilatie',
  'Energiescan',
];

function demoData({ count, seed, today }: { count: number; seed: number; today: string }) {
  const p = picker(seed);
  const users: DemoUser[] = [
    {
      key: 'anja',
      name: 'Anja Kramer',
      email: 'anja.kramer@energie-coop.example.nl',
      phone: '+31 6 11111111',
      jobTitle: 'Energiecoach',
      teams: ['Coaches'],
    },
    {
      key: 'bert',
      name: 'Bert Hofman',
      email: 'bert.hofman@energie-coop.example.nl',
      phone: '+31 6 22222222',
      jobTitle: 'Projectleider',
      teams: ['Backoffice'],
    },
    {
      key: 'carla',
      name: 'Carla Wouters',
      email: 'carla.wouters@energie-coop.example.nl',
      phone: '+31 6 33333333',
      jobTitle: 'Administratie',
      teams: ['Backoffice'],
    },
  ];
  const out: DemoDossier[] = [];
  out.push({
    type: 'campaign',
    ref: 'campaign-1',
    data: {
      name: 'Buurtaanpak Noord 2026',
      status: 'actief',
      startDate: addDaysIso(today, -120),
      endDate: addDaysIso(today, 240),
    },
  });
  out.push({
    type: 'campaign',
    ref: 'campaign-2',
    data: {
      name: 'Zon op elk dak',
      status: 'actief',
      startDate: addDaysIso(today, -30),
      endDate: addDaysIso(today, 330),
    },
  });
  MEASURES.forEach((name, i) => out.push({ type: 'measureCategory', ref: `measure-${i}`, data: { name } }));
  const suppliers = Math.max(2, Math.round(count / 50));
  for (let i = 0; i < suppliers; i++) {
    const name = `${p.pick(COMPANY_WORDS)} ${p.pick(COMPANY_KINDS)} B.V.`;
    out.push({
      type: 'contact',
      ref: `org-${i}`,
      data: { kind: 'organisatie', name, email: `info${i}@${slug(name)}.example.nl`, phone: phoneFor(p) },
    });
  }
  const coaches = Math.max(2, Math.round(count / 80));
  for (let i = 0; i < coaches; i++) {
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(SURNAMES);
    out.push({
      type: 'contact',
      ref: `coach-${i}`,
      data: {
        kind: 'persoon',
        name: `${first} ${last}`,
        firstName: first,
        lastName: last,
        email: emailFor(first, last, i, 'coaches.example.nl'),
        phone: phoneFor(p),
        isCoach: true,
      },
    });
  }
  const userKeys = users.map((u) => u.key);
  for (let i = 0; i < count; i++) {
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(SURNAMES);
    const [city, pc] = p.pick(CITIES);
    const street = p.pick(STREETS);
    const house = String(p.int(1, 180));
    out.push({
      type: 'contact',
      ref: `contact-${i}`,
      data: {
        kind: 'persoon',
        name: `${first} ${last}`,
        firstName: first,
        lastName: last,
        email: emailFor(first, last, i),
        phone: phoneFor(p),
        street,
        houseNumber: house,
        postalCode: postalCode(p, pc),
        city,
      },
    });
    if (!p.chance(0.6)) continue;
    const measure = p.int(0, MEASURES.length - 1);
    out.push({
      type: 'intake',
      ref: `intake-${i}`,
      data: {
        status: p.pick(['open', 'in-behandeling', 'afgesloten-met-kans']),
        address: `${street} ${house}, ${city}`,
      },
      links: {
        contact: `contact-${i}`,
        campaign: p.pick(['campaign-1', 'campaign-2']),
        measureCategory: `measure-${measure}`,
      },
      people: { responsibleUser: p.pick(userKeys) },
    });
    out.push({
      type: 'opportunity',
      ref: `opportunity-${i}`,
      data: {
        name: `${MEASURES[measure]} ${street} ${house}`,
        status: p.pick(['actief', 'in-afwachting', 'opdracht', 'in-uitvoering']),
        desiredDate: addDaysIso(today, p.int(10, 120)),
      },
      links: { intake: `intake-${i}`, measureCategory: `measure-${measure}` },
      people: { responsibleUser: p.pick(userKeys) },
    });
    out.push({
      type: 'quotationRequest',
      ref: `qr-${i}`,
      data: {
        status: p.pick(['offerte-nog-niet-aangevraagd', 'offerte-aangevraagd', 'in-overweging-bij-bewoner']),
        description: `Offerte ${MEASURES[measure]}`,
        dateRequested: addDaysIso(today, -p.int(0, 20)),
      },
      links: {
        opportunity: `opportunity-${i}`,
        organisation: `org-${p.int(0, suppliers - 1)}`,
        coach: `coach-${p.int(0, coaches - 1)}`,
      },
    });
    if (p.chance(0.4)) {
      out.push({
        type: 'visit',
        ref: `visit-${i}`,
        data: {
          status: p.pick(['geen-afspraak-gemaakt', 'afspraak-gemaakt']),
          description: 'Huisbezoek energiecoach',
        },
        links: { opportunity: `opportunity-${i}`, coach: `coach-${p.int(0, coaches - 1)}` },
      });
    }
    out.push({
      type: 'task',
      ref: `task-${i}`,
      data: {
        taskType: slug(p.pick(TASK_TYPES)[0]),
        description: `Terugbellen over ${MEASURES[measure]}`,
        plannedFinishDate: addDaysIso(today, p.int(-5, 14)),
        finished: false,
      },
      links: { contact: `contact-${i}`, opportunity: `opportunity-${i}` },
      people: { responsibleUser: p.pick(userKeys) },
    });
  }
  return { users, teams: ['Coaches', 'Backoffice'], dossiers: out };
}

export const energyCooperativePreset: Preset = {
  key: 'energy-cooperative',
  label: l('Energiecoöperatie (Econobis)', 'Energy cooperative (Econobis)'),
  dossierTypes: ENERGY_COOPERATIVE_TYPES,
  demoData,
};
